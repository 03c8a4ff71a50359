module github.com/geometryos/daemon1

go 1.26.0

require (
	github.com/VictoriaMetrics/metrics v1.45.0 // /metrics and push; per-route series created up front
	github.com/getkin/kin-openapi v0.153.0 // tests only: validates the OpenAPI document and every integration response against it
	github.com/goccy/go-json v0.12.0 // struct JSON off the hot path (the design card names it); hot paths append by hand
	github.com/panjf2000/ants/v2 v2.12.1 // the bounded worker pool (nonblocking: full means 503 now)
	github.com/panjf2000/gnet/v2 v2.9.7 // the event loop; ENGINE.md was checked against exactly this version
	github.com/peterstace/simplefeatures v0.50.0 // DE-9IM (Relate) for CQL2's S_TOUCHES, S_OVERLAPS, …: pure Go, no dependencies; checked against GEOS by cql2/geos_test.go
	github.com/tidwall/btree v1.8.2 // features by id: lookups and the order listings page through
	github.com/tidwall/geoindex v1.7.0 // internal/rtree (a fork of tidwall/rtree v1.10.0, for its bulk load) iterates children with it, as upstream does
	github.com/tidwall/geojson v1.4.5 // GeoJSON geometries and their predicates (issue 4 names it)
	github.com/valyala/fasthttp v1.78.0 // RequestCtx and its parsers, and the baseline server; ENGINE.md: this version
	gopkg.in/natefinch/lumberjack.v2 v2.2.1 // error-log rotation by size with compressed backups
)

require (
	github.com/HdrHistogram/hdrhistogram-go v1.4.0
	github.com/nats-io/nats-server/v2 v2.15.2 // the fleet's write log (JetStream), embedded; FLEET.md was checked against this version
	github.com/nats-io/nats.go v1.55.0 // the fleet's client of JetStream; FLEET.md: this version
	golang.org/x/sys v0.49.0 // SO_REUSEPORT for the listener (gnet's own pin; the syscall package does not name it)
	gonum.org/v1/plot v0.17.0
)

require (
	codeberg.org/go-fonts/liberation v0.5.0 // indirect
	codeberg.org/go-latex/latex v0.2.0 // indirect
	codeberg.org/go-pdf/fpdf v0.11.1 // indirect
	git.sr.ht/~sbinet/gg v0.7.0 // indirect
	github.com/ajstarks/svgo v0.0.0-20211024235047-1546f124cd8b // indirect
	github.com/antithesishq/antithesis-sdk-go v0.8.0-default-no-op // indirect
	github.com/go-openapi/jsonpointer v0.22.5 // indirect
	github.com/go-openapi/swag/jsonname v0.25.5 // indirect
	github.com/golang/freetype v0.0.0-20170609003504-e2365dfdc4a0 // indirect
	github.com/google/go-tpm v0.9.8 // indirect
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/minio/highwayhash v1.0.4 // indirect
	github.com/molecule-man/go-brrr v1.3.1 // indirect
	github.com/nats-io/jwt/v2 v2.8.2 // indirect
	github.com/nats-io/nkeys v0.4.16 // indirect
	github.com/nats-io/nuid v1.0.1 // indirect
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3 // indirect
	github.com/tidwall/gjson v1.12.1 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.2.0 // indirect
	github.com/tidwall/rtree v1.10.0 // indirect
	github.com/tidwall/sjson v1.2.4 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	github.com/valyala/fastrand v1.1.0 // indirect
	github.com/valyala/histogram v1.2.0 // indirect
	go.uber.org/multierr v1.11.0 // indirect
	go.uber.org/zap v1.27.0 // indirect
	go.yaml.in/yaml/v4 v4.0.0 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/image v0.30.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	golang.org/x/time v0.16.0 // indirect
)
