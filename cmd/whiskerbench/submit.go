package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/whiskerbench/whiskerbench/datasets/progress"
)

// progressReader counts bytes read into a progress bar.
type progressReader struct {
	r   io.Reader
	bar *progress.Bar
}

func (p progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.bar.Add(int64(n))
	return n, err
}

type submitReply struct {
	ID         int64   `json:"id"`
	Status     string  `json:"status"`
	Progress   float64 `json:"progress"`
	Error      string  `json:"error"`
	Recognised bool    `json:"recognised"`
	Scores     []struct {
		Benchmark string   `json:"benchmark"`
		Version   string   `json:"benchmark_version"`
		Scorer    string   `json:"scorer_version"`
		Layer     string   `json:"layer"`
		Target    string   `json:"target"`
		Value     *float64 `json:"value"`
		CILow     *float64 `json:"ci_low"`
		CIHigh    *float64 `json:"ci_high"`
	} `json:"scores"`
	Problems []struct {
		Array   string `json:"array"`
		Message string `json:"message"`
	} `json:"-"`
}

type apiError struct {
	Error struct {
		Code     string `json:"code"`
		Message  string `json:"message"`
		Problems []struct {
			Array   string `json:"array"`
			Message string `json:"message"`
		} `json:"problems"`
	} `json:"error"`
}

func decodeReply(resp *http.Response, out any) error {
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("read server answer: %w", err)
	}
	if resp.StatusCode >= 400 {
		var ae apiError
		if json.Unmarshal(b, &ae) == nil && ae.Error.Message != "" {
			var sb strings.Builder
			fmt.Fprintf(&sb, "server answered %d %s: %s", resp.StatusCode, ae.Error.Code, ae.Error.Message)
			for _, p := range ae.Error.Problems {
				fmt.Fprintf(&sb, "\n  - %s: %s", p.Array, p.Message)
			}
			return fmt.Errorf("%s", sb.String())
		}
		return fmt.Errorf("server answered %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return json.Unmarshal(b, out)
}

func submitCommand() *command {
	return &command{
		name:  "submit",
		short: "upload activations to a whiskerbench server and follow the scoring",
		usage: "--server URL --token T --name MODEL [card flags] [--wait] ACTS.npz",
		flags: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
			server := fs.String("server", "http://127.0.0.1:8080", "server base URL")
			token := fs.String("token", "", "API token (or WHISKERBENCH_TOKEN)")
			kind := fs.String("kind", "activations", "activations or weights")
			name := fs.String("name", "", "model name (required)")
			family := fs.String("family", "", "model family, e.g. ConvRNN")
			objective := fs.String("objective", "", "training objective: supervised, simclr, untrained, …")
			paper := fs.String("paper", "", "paper URL")
			params := fs.Int64("params", 0, "parameter count")
			wait := fs.Bool("wait", false, "follow the submission until it is scored or fails")
			asJSON := fs.Bool("json", false, "print the final submission as JSON")
			return func(ctx context.Context, args []string) error {
				if len(args) != 1 || *name == "" {
					return usagef("submit takes one file and --name")
				}
				tok := *token
				if tok == "" {
					tok = e.getenv("WHISKERBENCH_TOKEN")
				}
				if tok == "" {
					return usagef("submit needs --token (or WHISKERBENCH_TOKEN); ask a maintainer for one")
				}
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				st, err := f.Stat()
				if err != nil {
					return err
				}
				card, _ := json.Marshal(map[string]any{"name": *name, "family": *family, "objective": *objective, "paper_url": *paper, "param_count": *params})
				pr, pw := io.Pipe()
				mw := multipart.NewWriter(pw)
				bar := progress.New(e.stderr, "upload", st.Size(), progress.Options{Unit: "bytes"})
				go func() {
					err := func() error {
						if err := mw.WriteField("kind", *kind); err != nil {
							return err
						}
						if err := mw.WriteField("card", string(card)); err != nil {
							return err
						}
						part, err := mw.CreateFormFile("file", "upload.npz")
						if err != nil {
							return err
						}
						if _, err := io.Copy(part, progressReader{f, bar}); err != nil {
							return err
						}
						return mw.Close()
					}()
					pw.CloseWithError(err)
				}()
				base := strings.TrimRight(*server, "/")
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/submissions", pr)
				if err != nil {
					return err
				}
				req.Header.Set("Content-Type", mw.FormDataContentType())
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return fmt.Errorf("upload to %s: %w", base, err)
				}
				bar.Finish()
				var sub submitReply
				err = decodeReply(resp, &sub)
				resp.Body.Close()
				if err != nil {
					return err
				}
				if sub.Recognised {
					fmt.Fprintf(e.stderr, "the server already has this exact file: submission %d\n", sub.ID)
				}
				fmt.Fprintf(e.stderr, "submission %d %s\n", sub.ID, sub.Status)
				for *wait && sub.Status != "scored" && sub.Status != "failed" {
					select {
					case <-ctx.Done():
						return ctx.Err()
					case <-time.After(time.Second):
					}
					req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/api/v1/submissions/%d", base, sub.ID), nil)
					req.Header.Set("Authorization", "Bearer "+tok)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						return fmt.Errorf("follow submission %d: %w", sub.ID, err)
					}
					prev := sub.Status
					err = decodeReply(resp, &sub)
					resp.Body.Close()
					if err != nil {
						return err
					}
					if sub.Status != prev || sub.Status == "running" {
						fmt.Fprintf(e.stderr, "submission %d %s %.0f%%\n", sub.ID, sub.Status, 100*sub.Progress)
					}
				}
				if *asJSON {
					return writeJSON(e.stdout, sub)
				}
				if sub.Status == "failed" {
					return fmt.Errorf("submission %d failed: %s", sub.ID, sub.Error)
				}
				for _, s := range sub.Scores {
					if s.Layer != "" {
						continue
					}
					v := "—"
					if s.Value != nil {
						v = fmt.Sprintf("%.4f", *s.Value)
					}
					ci := ""
					if s.CILow != nil && s.CIHigh != nil {
						ci = fmt.Sprintf(" [%.4f, %.4f]", *s.CILow, *s.CIHigh)
					}
					fmt.Fprintf(e.stdout, "%s %s  %s %s %s%s\n", s.Benchmark, s.Version, s.Scorer, s.Target, v, ci)
				}
				return nil
			}
		},
	}
}
