package arch

import (
	"strings"
	"testing"
)

// TestSSLSpecCounts pins the trainable head sizes at the paper's widths
// for d = 512 (buffers not counted):
//
//	SimCLR:  512·2048 + 2·2048 + 2048·128 + 2·128 = 1,315,072
//	SimSiam: 1,050,624 (512·2048 + 2048) + 4,096 + 4,196,352 (2048² + 2048)
//	         + 4,096 + 4,196,352 + 4,096 + 1,049,088 (2048·512 + 512)
//	         + 1,024 + 1,050,624 (512·2048 + 2048) = 11,556,352
//	AE:      C0 = 15: (512·525 + 525) + (15·30·9 + 30) + 2·(30·30·9 + 30)
//	         = 269,325 + 4,080 + 16,260 = 289,665
//
// and the backbone part equals the EAD list without the decoder.
func TestSSLSpecCounts(t *testing.T) {
	cfg := ZhuangConvRNN(CellTimeDecay, false, DecoderLinear)
	back, err := cfg.BackboneSpecs()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		obj  string
		want int
	}{{ObjectiveSimCLR, 1315072}, {ObjectiveSimSiam, 11556352}, {ObjectiveAE, 289665}} {
		specs, err := cfg.SSLSpecs(DefaultSSLHead(tc.obj))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for i, s := range specs {
			if i < len(back) {
				if s.Name != back[i].Name {
					t.Fatalf("%s: spec %d is %s, backbone %s", tc.obj, i, s.Name, back[i].Name)
				}
				continue
			}
			if !strings.HasPrefix(s.Name, "ssl.") {
				t.Errorf("%s: head parameter %s outside ssl.*", tc.obj, s.Name)
			}
			if !s.Buffer {
				n += s.Size()
			}
		}
		if n != tc.want {
			t.Errorf("%s head: %d trainable parameters, want %d", tc.obj, n, tc.want)
		}
	}
	if _, err := cfg.SSLSpecs(SSLHead{Objective: ObjectiveSimCLR, Hidden: 8}); err == nil {
		t.Error("a SimCLR head without out was accepted")
	}
	if _, err := cfg.SSLSpecs(SSLHead{Objective: ObjectiveSupervised}); err == nil {
		t.Error("a supervised SSL head was accepted")
	}
}
