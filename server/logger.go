package server

import "fmt"

// gnetLogger passes gnet's warnings and errors to Options.Logf and drops its
// debug and info lines (start-up chatter that cmd/daemon1 says itself).
type gnetLogger func(format string, args ...any)

func (l gnetLogger) Debugf(string, ...any) {}
func (l gnetLogger) Infof(string, ...any)  {}
func (l gnetLogger) Warnf(format string, args ...any) {
	l("gnet: warning: "+format, args...)
}
func (l gnetLogger) Errorf(format string, args ...any) { l("gnet: error: "+format, args...) }
func (l gnetLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("gnet: fatal: "+format, args...))
}

// fasthttpLogger is the fasthttp.Logger over Options.Logf.
type fasthttpLogger func(format string, args ...any)

func (l fasthttpLogger) Printf(format string, args ...any) { l(format, args...) }
