package server

import (
	"errors"
	"fmt"
	"strings"
)

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

// fasthttpLogger is the fasthttp.Logger over Options.Logf. fasthttp puts
// the raw bytes of a request it could not parse into its errors (bearer
// tokens included), and logs them: every error argument is redacted.
type fasthttpLogger func(format string, args ...any)

func (l fasthttpLogger) Printf(format string, args ...any) {
	for i, a := range args {
		if err, ok := a.(error); ok {
			args[i] = redacted(err)
		}
	}
	l("fasthttp: "+format, args...)
}

// redacted keeps what an error says up to the first quoted or dumped
// bytes, which may be a request's: "error when reading request headers:
// cannot find http request method in \"GET…\"" keeps all before the quote.
func redacted(err error) error {
	msg := err.Error()
	cut := len(msg)
	for _, mark := range []string{"\"", "'", "buf=", "contents", "Buffer size"} {
		if i := strings.Index(msg, mark); i >= 0 && i < cut {
			cut = i
		}
	}
	if cut == len(msg) {
		return err
	}
	return errors.New(strings.TrimRight(msg[:cut], " :=") + " [request bytes withheld]")
}
