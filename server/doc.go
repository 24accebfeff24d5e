// Package server serves the zoo's models over HTTP: a page where a person
// draws a digit and sees every model's answer as they draw, and a JSON
// endpoint that classifies an uploaded image.
//
//	h, err := server.New(server.Model{Name: "cnn2", Predictor: p})
//	http.ListenAndServe("127.0.0.1:8080", h)
//
// Routes:
//
//	GET  /          the drawing page (plain JavaScript, embedded)
//	POST /predict   body: a PNG, JPEG or GIF image (at most MaxBodyBytes);
//	                200: {"predictions":[{"model","class","label","probabilities","seconds"}, ...]}
//	                4xx: {"error":"..."}: 400 empty, damaged or blank image,
//	                413 too many bytes or pixels, 415 not an image, 405 not a POST
//	GET  /healthz   {"status":"ok","models":[...]}
//
// Images are prepared as MNIST was made (zoo.ImageInput) and each model
// answers through its own zoo.Predictor, which takes one call at a time. The
// package uses the standard library only; the command "zoo serve" runs it
// with the pretrained models and sets the server's timeouts.
package server
