package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gorgonia-zoo/zoo/pretrained"
	"github.com/gorgonia-zoo/zoo/server"
)

// A server with a memory budget of its own, answering to one more name
// than addresses and localhost: a request for another name is refused,
// whatever the name resolves to.
func ExampleNewWithOptions() {
	m, err := pretrained.Load("cnn2")
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := m.NewPredictor(1)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	h, err := server.NewWithOptions(server.Options{MemoryBudget: 128 << 20, Hosts: []string{"digits.example"}},
		server.Model{Name: "cnn2", Predictor: p})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, host := range []string{"digits.example:8080", "127.0.0.1:8080", "rebound.example"} {
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		req.Host = host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		fmt.Println(host, w.Code)
	}
	// Output:
	// digits.example:8080 200
	// 127.0.0.1:8080 200
	// rebound.example 403
}
