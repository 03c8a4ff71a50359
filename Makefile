# daemon1 — see README.md. `make run` and `make test` are the two set-up commands.
GO       ?= go
BIN      := bin
PKGS     := ./...
# A count, not a duration: go1.26's fuzz coordinator can report its own
# -fuzztime deadline as a failure (golang/go#75804, fixed in go1.27).
FUZZTIME ?= 150000x
LISTEN   ?= 127.0.0.1:8080

.PHONY: build-daemon1 fleet bench-quick bench-overload bench-nomatch bench-load openapi run build test test-race test-allocs test-fast test-deps fuzz fuzz-short bench lint fmt fmt-check vet clean

# Every command the docs run: the daemon (also daemon1 load) and the bench.
# -buildvcs=auto: -version and daemon1_build_info name the commit (when
# there is one) even where GOFLAGS turns stamping off.
build: build-daemon1
	$(GO) build -buildvcs=auto -o $(BIN)/daemon1-bench ./cmd/daemon1-bench

build-daemon1:
	$(GO) build -buildvcs=auto -o $(BIN)/daemon1 ./cmd/daemon1

run: build-daemon1
	$(BIN)/daemon1 -listen $(LISTEN)

# Three fleet nodes and HAProxy on loopback, to try (docs/fleet.md).
fleet: build-daemon1
	scripts/fleet.sh

# What CI runs: formatting, vet, the tests with the race detector in random
# order, the allocation tests (which -race would distort), then a short fuzz
# run of each parser.
test: test-deps fmt-check vet test-race test-allocs fuzz-short

# curl: client tests; promtool (Debian package prometheus): the /metrics format
# check; victoria-metrics: the scrape and push tests; haproxy: the fleet's
# load-balancer test; gdal-bin and python3-owslib: the OGC API clients' tests;
# python3-gdal: GEOS, the reference of the CQL2 spatial functions' test;
# chromium: the HTML pages' test, in a real browser; systemd-analyze: the
# check of deploy/systemd's unit (promtool checks deploy/prometheus); script:
# daemon1 load's progress on a (pseudo-)terminal.
test-deps:
	scripts/deps.sh curl:curl promtool:prometheus victoria-metrics:victoria-metrics haproxy:haproxy \
		ogr2ogr:gdal-bin /usr/lib/python3/dist-packages/owslib:python3-owslib \
		/usr/lib/python3/dist-packages/osgeo:python3-gdal chromium:chromium \
		systemd-analyze:systemd script:bsdutils

test-race:
	CI=$${CI:-} $(GO) test -race -shuffle=on -count=1 -timeout 10m $(PKGS)

test-allocs:
	$(GO) test -count=1 -run 'Allocs' $(PKGS)

# Plain tests without the race detector (faster; includes the 0-allocation tests).
test-fast:
	$(GO) test -count=1 $(PKGS)

fuzz-short:
	$(GO) test -run '^$$' -fuzz '^FuzzFramer$$' -fuzztime $(FUZZTIME) ./server
	$(GO) test -run '^$$' -fuzz '^FuzzBinaryFramer$$' -fuzztime $(FUZZTIME) ./server
	$(GO) test -run '^$$' -fuzz '^FuzzAppendString$$' -fuzztime $(FUZZTIME) ./codec
	$(GO) test -run '^$$' -fuzz '^FuzzWKB$$' -fuzztime $(FUZZTIME) ./codec
	$(GO) test -run '^$$' -fuzz '^FuzzFields$$' -fuzztime $(FUZZTIME) ./codec
	$(GO) test -run '^$$' -fuzz '^FuzzMember$$' -fuzztime $(FUZZTIME) ./codec
	$(GO) test -run '^$$' -fuzz '^FuzzParseText$$' -fuzztime $(FUZZTIME) ./cql2
	$(GO) test -run '^$$' -fuzz '^FuzzParseJSON$$' -fuzztime $(FUZZTIME) ./cql2
	$(GO) test -run '^$$' -fuzz '^FuzzParseGeometry$$' -fuzztime $(FUZZTIME) ./store
	$(GO) test -run '^$$' -fuzz '^FuzzParseItems$$' -fuzztime $(FUZZTIME) ./store
	$(GO) test -run '^$$' -fuzz '^FuzzParseCursor$$' -fuzztime $(FUZZTIME) ./store
	$(GO) test -run '^$$' -fuzz '^FuzzCheckJSON$$' -fuzztime $(FUZZTIME) ./store
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeRecord$$' -fuzztime $(FUZZTIME) ./store
	$(GO) test -run '^$$' -fuzz '^FuzzPlainPoint$$' -fuzztime $(FUZZTIME) ./store
	$(GO) test -run '^$$' -fuzz '^FuzzNewPointInput$$' -fuzztime $(FUZZTIME) ./store
	$(GO) test -run '^$$' -fuzz '^FuzzCompact$$' -fuzztime $(FUZZTIME) ./store

fuzz:
	$(MAKE) fuzz-short FUZZTIME=5m

# The benchmark suite: bench/results/<date>/report.md with plots (see README).
bench:
	scripts/bench.sh full

bench-quick:
	scripts/bench.sh quick

# The budget under genuine overload (open loops past the maximum): refused,
# cut and late counted per cell (bench/results/<date>/overload/report.md).
bench-overload:
	scripts/bench.sh overload

# A nearby search whose filter matches nothing over 1M points, two clients,
# /healthz alongside on the same event loop (bench/results/<date>/nomatch/).
bench-nomatch:
	scripts/bench.sh nomatch

# Loading 1M points from a file: daemon1 load (binary, REST) against curl
# (bench/results/<date>/load.md; about 2 minutes).
bench-load:
	scripts/bench-load.sh

# api/openapi.json is generated: edit scripts/openapi.py, then run this.
openapi:
	python3 scripts/openapi.py

lint: fmt-check vet
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi

clean:
	rm -rf $(BIN)
