package app_test

import (
	"os"
	"strings"
	"testing"

	"github.com/whiskerbench/whiskerbench/server/app"
)

// The README's configuration table names every flag, its environment
// variable and its default, so the documentation cannot drift.
func TestReadmeDocumentsEveryOption(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range app.Options() {
		row := "| `" + o.Flag + "` | `" + o.Env + "` | "
		i := strings.Index(string(readme), row)
		if i < 0 {
			t.Errorf("README has no table row starting %q", row)
			continue
		}
		line := string(readme[i:])
		line = line[:strings.IndexByte(line, '\n')]
		if o.Default != "" && !strings.Contains(line, "`"+o.Default+"`") {
			t.Errorf("README row for %s lacks default `%s`: %s", o.Flag, o.Default, line)
		}
	}
}
