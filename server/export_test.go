package server

// Exports for the external tests in net_test.go, which use real sockets.
var (
	Crlf        = crlf
	EngineCases = engineCases
	Short       = short
)
