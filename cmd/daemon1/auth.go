package main

import (
	"fmt"
	"net"
	"os"
	"strings"
)

// isLoopback reports whether addr (host:port) listens on loopback only. An
// empty host, a wildcard or a name other than localhost is not loopback.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// readToken reads the bearer token from path ("" → none): the file's
// content without surrounding white space, which must not be empty.
func readToken(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("cannot read the auth token: %w", err)
	}
	token := strings.TrimSpace(string(b))
	if token == "" {
		return "", fmt.Errorf("the auth token file %s is empty", path)
	}
	if strings.ContainsAny(token, " \t\r\n") {
		return "", fmt.Errorf("the auth token in %s holds white space: a bearer token cannot", path)
	}
	return token, nil
}
