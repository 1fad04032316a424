// Package browsertest drives Debian's headless Chromium with chromedp for
// the site's browser tests. Without a Chromium binary the tests skip with a
// message, except under CI (CI=true), where a missing browser fails them.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumEnv overrides the browser binary's path.
const ChromiumEnv = "WHISKERBENCH_CHROMIUM"

// ArtifactsEnv names a directory where screenshots are kept; by default
// they go to the test's temporary directory.
const ArtifactsEnv = "WHISKERBENCH_ARTIFACTS"

func chromiumPath() string {
	if p := os.Getenv(ChromiumEnv); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Require skips the test when no browser is installed (fails it under
// CI), before a test spends time on fixtures that only a browser needs.
func Require(t testing.TB) string {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("no Chromium found under CI: .ci/run must install Debian's chromium (or set %s)", ChromiumEnv)
		}
		t.Skipf("browser test skipped: install chromium (apt-get install chromium) or set %s", ChromiumEnv)
	}
	return path
}

// New starts a fresh headless browser (new user-data-dir, no sandbox, no
// GPU, no background networking) and returns a tab context that ends with
// the test, bounding the test's browser actions to 90 seconds.
func New(t testing.TB) context.Context {
	t.Helper()
	return NewWithTimeout(t, 90*time.Second)
}

// NewWithTimeout is New with another bound on the browser actions.
func NewWithTimeout(t testing.TB, limit time.Duration) context.Context {
	t.Helper()
	path := Require(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelTab := chromedp.NewContext(actx)
	// The first action starts the browser, which lives as long as the
	// context of that call: start it without a deadline, then bound the
	// test's own actions.
	if err := chromedp.Do(bctx); err != nil {
		cancelTab()
		cancelAlloc()
		t.Fatalf("start chromium at %s: %v", path, err)
	}
	ctx, cancelTimeout := context.WithTimeout(bctx, limit)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
	})
	return ctx
}

// Screenshot saves a full-page PNG (quality 100 selects PNG over JPEG) named name.png as a test artefact and
// returns its path.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := os.Getenv(ArtifactsEnv)
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return path
}
