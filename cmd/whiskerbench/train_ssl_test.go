package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainSSLFlags: --objective turns a supervised config into SSL
// pre-training; --probe --from probes its output and writes a bundle
// that the activations command loads; bad flag combinations are usage
// errors (exit 2).
func TestTrainSSLFlags(t *testing.T) {
	dir := t.TempDir()
	ds := filepath.Join(dir, "ds")
	if err := os.MkdirAll(ds, 0o755); err != nil {
		t.Fatal(err)
	}
	writeTinyDataset(t, ds)
	sslOut, probeOut := filepath.Join(dir, "ssl"), filepath.Join(dir, "probe")
	sslConf := filepath.Join(dir, "ssl.yaml")
	if err := os.WriteFile(sslConf, []byte("dataset: "+ds+"\nout: "+sslOut+"\npreset: {name: timedecay-linear, width: 0.03, repr_dim: 8}\n"+
		"epochs: 1\nbatch_size: 10\nseed: 1\nsupervised_note_absent: 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// An unknown field is still an error on the override path.
	if r := runCLI(t, nil, "train", "--config", sslConf, "--objective", "ae"); r.code != 1 || !strings.Contains(r.stderr, "unknown field") {
		t.Fatalf("unknown field: exit %d %s", r.code, r.stderr)
	}
	if err := os.WriteFile(sslConf, []byte("dataset: "+ds+"\nout: "+sslOut+"\npreset: {name: timedecay-linear, width: 0.03, repr_dim: 8}\n"+
		"epochs: 1\nbatch_size: 10\nseed: 1\noptimizer: {kind: adam, lr: 0.001}\nschedule: {kind: constant_lr}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "train", "--config", sslConf, "--objective", "ae")
	if r.code != 0 || !strings.Contains(r.stdout, "pre-trained 1 epochs (ae)") {
		t.Fatalf("ae pre-training: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(sslOut, "ssl.json")); err != nil {
		t.Fatal(err)
	}
	probeConf := filepath.Join(dir, "probe.yaml")
	if err := os.WriteFile(probeConf, []byte("dataset: "+ds+"\nout: "+probeOut+"\nepochs: 1\nbatch_size: 10\nseed: 2\n"+
		"optimizer: {kind: sgd, lr: 0.1, momentum: 0.9, weight_decay: 0.0001}\nschedule: {kind: step_lr}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, nil, "train", "--config", probeConf, "--probe", "--from", sslOut)
	if r.code != 0 || !strings.Contains(r.stdout, "test top-1") {
		t.Fatalf("probe: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	stim := filepath.Join(ds, "test.npz")
	if a := runCLI(t, nil, "activations", "--bundle", filepath.Join(probeOut, "bundle.tar"), "--inputs", stim, "--out", filepath.Join(dir, "a.npz")); a.code != 0 {
		t.Fatalf("activations of the probe bundle: %s", a.stderr)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--objective", "byol"}, 2, `--objective "byol"`},
		{[]string{"--probe"}, 2, "--probe needs --from"},
		{[]string{"--from", sslOut}, 2, "--from names the backbone"},
		{[]string{"--probe", "--from", sslOut, "--objective", "simclr"}, 2, "drop --objective"},
		{[]string{"--probe", "--from", filepath.Join(dir, "nothing")}, 1, "probe.from"},
	} {
		r := runCLI(t, nil, append([]string{"train", "--config", probeConf}, tc.args...)...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d stderr %q, want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
}
