// Package k8s holds no code: its folder holds the Kubernetes manifests of a
// zoo sweep (an Indexed Job, its results volume and a report job), and its
// test checks them against the zoo's flags and the repository's Dockerfile.
package k8s
