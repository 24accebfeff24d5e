package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gorgonia-zoo/zoo/pretrained"
	"github.com/gorgonia-zoo/zoo/server"
)

const serveUsage = "zoo serve [-addr HOST:PORT] [-model LIST | -load FILE]"

// The server's timeouts: a slow or stalled client cannot hold a
// connection for long, and an image of server.MaxBodyBytes still has
// time to arrive on a slow link.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	// shutdownGrace is how long requests in flight may finish after a
	// signal.
	shutdownGrace = 5 * time.Second
)

// runServe is "zoo serve": the drawing page and POST /predict, with the
// pretrained models or -load weights, until ctx is cancelled.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zoo serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "127.0.0.1:8080", "`address` to listen on (port 0 picks a free port; 0.0.0.0:8080 opens it to the network)")
	models := fs.String("model", "all", "models to serve: a name, a comma-separated list, or all (pretrained weights)")
	load := fs.String("load", "", "weights `file` to serve instead of the pretrained ones, safetensors or ONNX (the model is read from the file unless -model is given)")
	budget := int64(server.DefaultMemoryBudget)
	fs.Var(byteSize{&budget}, "max-memory", "memory (a `size` such as 256MiB) that the images being classified may take together, estimated from their headers before they are decoded; a request beyond it is answered 503")
	var hosts, origins []string
	fs.Var(stringList{&hosts}, "allow-host", "comma-separated host `names` to answer to besides addresses and localhost (the machine's name too when -addr is not loopback); any other name is refused, against DNS rebinding; * for any")
	fs.Var(stringList{&origins}, "allow-origin", "comma-separated `origins` (https://host:port) whose web pages may post images here; other sites' pages are refused; * for any")
	rest, set, err := parseSubcommand(fs, args, stderr, fmt.Sprintf("usage: %s\n\nServes a page to draw a digit on and see every model's answer as you draw, and\nPOST /predict (an image as the body; JSON answers) and GET /healthz.\n\nFlags:\n", serveUsage))
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("unexpected argument %q", rest[0])
	}
	spec := *models
	if err == nil && !set["model"] && *load == "" {
		// "all" is whatever has pretrained weights.
		spec = strings.Join(pretrained.Names(), ",")
	}
	if err == nil && budget <= 0 {
		err = fmt.Errorf("-max-memory must be more than 0")
	}
	var ps []predictor
	if err == nil {
		ps, err = predictors(ctx, spec, set["model"], *load)
	}
	if err != nil {
		return loadFailed(ctx, err, func(f string, a ...any) { fmt.Fprintf(stderr, f, a...) }, "serve", serveUsage, *load)
	}
	defer func() {
		for _, p := range ps {
			p.p.Close()
		}
	}()
	var list []server.Model
	var names []string
	for _, p := range ps {
		list = append(list, server.Model{Name: p.name, Labels: p.classes, Predictor: p.p})
		names = append(names, p.name)
	}

	// Listening first makes a busy port fail now, in one line.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "zoo: serve:", err)
		return exitFailed
	}
	defer ln.Close()
	if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
		// Open to the network: the machine's own name is how others
		// reach it.
		if name, err := os.Hostname(); err == nil {
			hosts = append(hosts, name)
		}
	}
	h, err := server.NewWithOptions(server.Options{MemoryBudget: budget, Hosts: hosts, Origins: origins}, list...)
	if err != nil {
		fmt.Fprintf(stderr, "zoo: serve: %v (usage: %s)\n", err, serveUsage)
		return exitUsage
	}
	defer debug.SetMemoryLimit(limitMemory(budget))
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stderr, "zoo: serving http://%s/ (models %s)\n", ln.Addr(), strings.Join(names, ", "))

	select {
	case err := <-served: // Serve ends only on a failure here
		fmt.Fprintln(stderr, "zoo: serve:", err)
		return exitFailed
	case <-ctx.Done():
	}
	grace, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(grace); err != nil {
		srv.Close() // requests still running after the grace are cut
	}
	fmt.Fprintln(stderr, "zoo: serve: stopped")
	return exitInterrupted
}

// limitMemory sets the Go runtime's soft memory limit to what the process
// holds now (the models) plus the images' budget and some room, unless
// $GOMEMLIMIT sets one, so that the garbage collector works to keep the
// process there rather than let garbage double the heap. It returns the
// limit it replaced.
func limitMemory(budget int64) int64 {
	if os.Getenv("GOMEMLIMIT") != "" {
		return debug.SetMemoryLimit(-1)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	held := int64(ms.Sys - ms.HeapReleased)
	return debug.SetMemoryLimit(held + budget + memoryRoom)
}

// memoryRoom is what the server holds beyond the models and the images:
// connections, buffers, answers.
const memoryRoom = 64 << 20
