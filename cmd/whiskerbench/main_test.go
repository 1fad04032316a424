package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
)

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, environ map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &env{
		stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return environ[k] },
	})
	return result{code, out.String(), errb.String()}
}

// Every command in the tree answers --help with exit status 0 and a usage
// line.
func TestEveryCommandHasHelp(t *testing.T) {
	var walk func(c *command, path []string)
	walk = func(c *command, path []string) {
		args := append(append([]string{}, path...), "--help")
		r := runCLI(t, nil, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage: whiskerbench") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
		for _, s := range c.subs {
			walk(s, append(append([]string{}, path...), s.name))
		}
	}
	walk(commands(), nil)
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{nil, "missing subcommand"},
		{[]string{"frobnicate"}, `unknown subcommand "frobnicate"`},
		{[]string{"serve", "--no-such-flag"}, "flag provided but not defined"},
		{[]string{"admin", "lab", "create"}, "takes 1 argument(s), got 0"},
		{[]string{"admin", "token", "revoke", "abc", "--data-dir", dir}, "not a number"},
	}
	for _, tc := range tests {
		r := runCLI(t, nil, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d stderr %q, want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
	// A usage error never creates a database in the working directory.
	if _, err := os.Stat("whiskerbench-data"); err == nil {
		t.Error("a usage error created ./whiskerbench-data")
	}
}

// The admin commands create a lab and a token against a real embedded
// database; the token is printed once, on stdout alone.
func TestAdminLabAndToken(t *testing.T) {
	dir := t.TempDir()
	environ := map[string]string{"WHISKERBENCH_DATA_DIR": dir}
	if r := runCLI(t, environ, "admin", "lab", "create", "Barrel Lab"); r.code != 0 || !strings.Contains(r.stdout, `created lab "Barrel Lab"`) {
		t.Fatalf("lab create: %+v", r)
	}
	if r := runCLI(t, environ, "admin", "lab", "create", "Barrel Lab"); r.code != 1 || !strings.Contains(r.stderr, "already exists") {
		t.Fatalf("duplicate lab: %+v", r)
	}
	r := runCLI(t, nil, "admin", "token", "create", "--lab", "Barrel Lab", "--maintainer", "--data-dir", dir)
	if r.code != 0 || !regexp.MustCompile(`^wb_[A-Za-z0-9_-]{43}\n$`).MatchString(r.stdout) {
		t.Fatalf("token create: %+v", r)
	}
	if !strings.Contains(r.stderr, "shown only now") {
		t.Errorf("token create should warn that the token is shown once: %q", r.stderr)
	}
	list := runCLI(t, environ, "admin", "token", "list", "--lab", "Barrel Lab")
	if list.code != 0 || !strings.Contains(list.stdout, "maintainer") || strings.Contains(list.stdout, strings.TrimSpace(r.stdout)) {
		t.Fatalf("token list must show the role and never the secret: %+v", list)
	}
	if r := runCLI(t, environ, "admin", "token", "revoke", "1"); r.code != 0 {
		t.Fatalf("revoke: %+v", r)
	}
	if r := runCLI(t, environ, "admin", "token", "list", "--lab", "Barrel Lab"); !strings.Contains(r.stdout, "revoked") {
		t.Fatalf("after revoke: %+v", r)
	}
	if r := runCLI(t, environ, "admin", "token", "revoke", "99"); r.code != 1 || !strings.Contains(r.stderr, "token 99") {
		t.Fatalf("revoke unknown: %+v", r)
	}
	if r := runCLI(t, environ, "migrate", "status"); r.code != 0 || !regexp.MustCompile(`00001_initial.sql +applied`).MatchString(r.stdout) {
		t.Fatalf("migrate status: %+v", r)
	}
}
