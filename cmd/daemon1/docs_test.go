package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every flag of daemon1 and of daemon1 load is documented: in
// docs/operations.md, or docs/fleet.md for a fleet's.
func TestEveryFlagIsDocumented(t *testing.T) {
	var docs string
	for _, p := range []string{"../../docs/operations.md", "../../docs/fleet.md"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		docs += string(b)
	}
	var c config
	check := func(fs *flag.FlagSet) {
		fs.VisitAll(func(f *flag.Flag) {
			if !strings.Contains(docs, "`-"+f.Name+"`") && !strings.Contains(docs, "`-"+f.Name+" ") && !strings.Contains(docs, "`-"+f.Name+"=") {
				t.Errorf("%s's flag -%s is in neither docs/operations.md nor docs/fleet.md", fs.Name(), f.Name)
			}
		})
	}
	check(newFlagSet(&c))
	for _, name := range loadFlagNames(t) {
		if !strings.Contains(docs, "`-"+name+"`") && !strings.Contains(docs, "`-"+name+" ") {
			t.Errorf("daemon1 load's flag -%s is not in docs/operations.md", name)
		}
	}
}

// loadFlagNames are the flags daemon1 load's usage lists.
func loadFlagNames(t *testing.T) []string {
	var b strings.Builder
	runLoad([]string{"-h"}, &b)
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z-]+)`).FindAllStringSubmatch(b.String(), -1) {
		names = append(names, m[1])
	}
	if len(names) < 8 {
		t.Fatalf("daemon1 load -h lists %d flags:\n%s", len(names), b.String())
	}
	return names
}

var linkRe = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// The README and docs/ stand alone: every relative link names a file of
// the repository that exists (and, with a #fragment, a heading of it);
// none leaves the repository.
func TestDocsLinksStayInTheRepository(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	files = append(files, filepath.Join(root, "README.md"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		for _, m := range linkRe.FindAllStringSubmatch(string(b), -1) {
			link := m[1]
			if strings.HasPrefix(link, "http://") || strings.HasPrefix(link, "https://") || strings.HasPrefix(link, "mailto:") {
				continue
			}
			path, frag, _ := strings.Cut(link, "#")
			target := f
			if path != "" {
				target = filepath.Clean(filepath.Join(filepath.Dir(f), path))
			}
			if r, err := filepath.Rel(root, target); err != nil || strings.HasPrefix(r, "..") {
				t.Errorf("%s links %s, outside the repository", rel, link)
				continue
			}
			tb, err := os.ReadFile(target)
			if err != nil {
				if fi, serr := os.Stat(target); serr == nil && fi.IsDir() {
					continue
				}
				t.Errorf("%s links %s, which does not exist", rel, link)
				continue
			}
			if frag != "" && strings.HasSuffix(target, ".md") && !hasHeading(string(tb), frag) {
				t.Errorf("%s links %s, but %s has no heading #%s", rel, link, filepath.Base(target), frag)
			}
		}
	}
}

// hasHeading reports whether md has a heading whose GitHub anchor is frag.
func hasHeading(md, frag string) bool {
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "#") && anchor(strings.TrimLeft(line, "# ")) == frag {
			return true
		}
	}
	return false
}

// anchor is GitHub's anchor of a heading: lower case, punctuation dropped,
// spaces made hyphens.
func anchor(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 && isLetter(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isLetter(r rune) bool { return strings.ContainsRune("éèàüöäçñ", r) }
