// Package server serves the zoo's models over HTTP: a page where a person
// draws a digit and sees every model's answer as they draw, and a JSON
// endpoint that classifies an uploaded image.
//
//	h, err := server.New(server.Model{Name: "cnn2", Predictor: p})
//	http.ListenAndServe("127.0.0.1:8080", h)
//
//	// or with limits and names of one's own:
//	h, err := server.NewWithOptions(server.Options{MemoryBudget: 256 << 20, Hosts: []string{"digits.example"}}, models...)
//
// Routes:
//
//	GET  /          the drawing page (plain JavaScript, embedded)
//	POST /predict   body: a PNG, JPEG or GIF image (at most MaxBodyBytes);
//	                200: {"predictions":[{"model","class","label","probabilities","seconds"}, ...]}
//	                4xx: {"error":"..."}: 400 empty, damaged or blank image,
//	                413 too many bytes, pixels, JPEG scans or bytes to decode,
//	                415 not an image, 405 not a POST
//	                503 (Retry-After): the memory budget is taken for now
//	GET  /healthz   {"status":"ok","models":[...]}
//
// Every route answers 403 to a Host that is not an IP address, localhost
// or a name given in Options.Hosts (DNS rebinding), and POST /predict 403
// to a browser's request from another site's page (Options.Origins).
//
// What an image costs is known from its bytes before any pixel is decoded
// (zoo.ReadImageHeader, zoo.ImageInputBytes), and the requests in flight
// share Options.MemoryBudget: each reserves its body and that cost first.
// Decoding ends when the client goes (zoo.DecodeImage under the request's
// context).
//
// Images are prepared as MNIST was made (zoo.ImageInput) and each model
// answers through its own zoo.Predictor, which takes one call at a time. The
// package uses the standard library only; the command "zoo serve" runs it
// with the pretrained models and sets the server's timeouts.
package server
