// Package tools pins the notebooks' tools, the GoNB kernel and goimports,
// in a module of their own, so that programs importing the zoo do not get
// them in their module graph:
//
//	cd notebooks/tools && go install tool   # gonb and goimports into $(go env GOPATH)/bin
package tools
