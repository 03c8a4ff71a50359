// Package testtool finds the programs that tests run (curl, promtool,
// GDAL, …): in CI, where make test installs them, a missing one fails the
// test; elsewhere it is skipped, saying which Debian package to install.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// Require returns the path of the program name, from the Debian package
// debianPackage.
func Require(t testing.TB, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed; make test installs it (Debian package %s)", name, debianPackage)
	}
	t.Skipf("%s is not installed (make test installs it: Debian package %s)", name, debianPackage)
	return ""
}
