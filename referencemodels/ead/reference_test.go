package ead

import (
	"context"
	"math"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
)

// An independent, direct-loop float64 implementation of the encoder and
// decoders in NCHW, written from the equations of paper-spec §2.2–2.3 and
// §2.8, against which the gorgonia graph is compared.

type nchw struct {
	b, c, h, w int
	d          []float64
}

func newNCHW(b, c, h, w int) nchw { return nchw{b, c, h, w, make([]float64, b*c*h*w)} }
func (t nchw) at(b, c, i, j int) float64 {
	if i >= t.h || j >= t.w || i < 0 {
		return 0 // 'same' padding: zeros after
	}
	return t.d[((b*t.c+c)*t.h+i)*t.w+j]
}
func (t nchw) set(b, c, i, j int, v float64) { t.d[((b*t.c+c)*t.h+i)*t.w+j] = v }

type refModel struct {
	cfg arch.Config
	p   map[string][]float64
}

func newRef(m *Model) refModel {
	r := refModel{cfg: m.Config, p: map[string][]float64{}}
	for _, q := range m.Params {
		d := make([]float64, len(q.Data))
		for i, v := range q.Data {
			d[i] = float64(v)
		}
		r.p[q.Name] = d
	}
	return r
}

func (r refModel) conv(name string, x nchw, cout int, same bool) nchw {
	w, bias := r.p[name+".weight"], r.p[name+".bias"]
	h, wd := x.h, x.w
	if !same {
		h, wd = h-1, wd-1
	}
	out := newNCHW(x.b, cout, h, wd)
	for b := 0; b < x.b; b++ {
		for o := 0; o < cout; o++ {
			for i := 0; i < h; i++ {
				for j := 0; j < wd; j++ {
					s := bias[o]
					for c := 0; c < x.c; c++ {
						for di := 0; di < 2; di++ {
							for dj := 0; dj < 2; dj++ {
								s += w[((o*x.c+c)*2+di)*2+dj] * x.at(b, c, i+di, j+dj)
							}
						}
					}
					out.set(b, o, i, j, s)
				}
			}
		}
	}
	return out
}

func cat(xs ...nchw) nchw {
	C := 0
	for _, x := range xs {
		C += x.c
	}
	out := newNCHW(xs[0].b, C, xs[0].h, xs[0].w)
	for b := 0; b < out.b; b++ {
		off := 0
		for _, x := range xs {
			for c := 0; c < x.c; c++ {
				for i := 0; i < x.h; i++ {
					for j := 0; j < x.w; j++ {
						out.set(b, off+c, i, j, x.at(b, c, i, j))
					}
				}
			}
			off += x.c
		}
	}
	return out
}

func (r refModel) linear(name string, x [][]float64, out int) [][]float64 {
	w, bias := r.p[name+".weight"], r.p[name+".bias"]
	y := make([][]float64, len(x))
	for b, xb := range x {
		y[b] = make([]float64, out)
		for o := 0; o < out; o++ {
			s := 0.0
			if bias != nil {
				s = bias[o]
			}
			for i, v := range xb {
				s += w[o*len(xb)+i] * v
			}
			y[b][o] = s
		}
	}
	return y
}

// chunk returns channels [k·C, (k+1)·C), LayerNorm'd over channels when ln.
func (r refModel) chunk(x nchw, k, C int, lnName string) nchw {
	out := newNCHW(x.b, C, x.h, x.w)
	for b := 0; b < x.b; b++ {
		for i := 0; i < x.h; i++ {
			for j := 0; j < x.w; j++ {
				var mu, va float64
				for c := 0; c < C; c++ {
					mu += x.at(b, k*C+c, i, j)
				}
				mu /= float64(C)
				for c := 0; c < C; c++ {
					d := x.at(b, k*C+c, i, j) - mu
					va += d * d
				}
				va /= float64(C)
				for c := 0; c < C; c++ {
					v := x.at(b, k*C+c, i, j)
					if r.cfg.Encoder.LayerNorm {
						v = (v-mu)/math.Sqrt(va+1e-5)*r.p[lnName+".weight"][c] + r.p[lnName+".bias"][c]
					}
					out.set(b, c, i, j, v)
				}
			}
		}
	}
	return out
}

func mapv(x nchw, f func(float64) float64) nchw {
	out := newNCHW(x.b, x.c, x.h, x.w)
	for i, v := range x.d {
		out.d[i] = f(v)
	}
	return out
}

func zip(a, b nchw, f func(x, y float64) float64) nchw {
	out := newNCHW(a.b, a.c, a.h, a.w)
	for i := range a.d {
		out.d[i] = f(a.d[i], b.d[i])
	}
	return out
}

func sig(v float64) float64  { return 1 / (1 + math.Exp(-v)) }
func sigf(v float64) float64 { return sig(v + 1) } // forget bias 1.0
func relu(v float64) float64 { return math.Max(v, 0) }

// forward returns per-step outputs (after ReLU) of every node — conv
// nodes as NCHW, fc nodes as (B, F) rows — and the logits (B, K).
func (r refModel) forward(x ndarray.Array) (conv []map[string]nchw, fc []map[string][][]float64, logits [][]float64) {
	B := x.Shape[0]
	nodes := r.cfg.Nodes()
	prevC := map[string]nchw{}
	prevF := map[string][][]float64{}
	stC := map[string]nchw{}
	stCell := map[string]nchw{}
	stF := map[string][][]float64{}
	for t := 0; t < arch.InputSteps; t++ {
		curC := map[string]nchw{}
		curF := map[string][][]float64{}
		for _, n := range nodes {
			pre := "encoder." + n.Name + ".pre"
			cellP := "encoder." + n.Name + ".cell"
			get := func(p string, c int) nchw {
				if v, ok := prevC[p]; ok {
					return v
				}
				return newNCHW(B, c, arch.GridH, arch.GridW)
			}
			width := map[string]int{}
			for _, m := range nodes {
				width[m.Name] = m.Out
			}
			if n.Conv {
				var u nchw
				if n.Name == "conv1" {
					in := newNCHW(B, 30, 5, 7)
					for b := 0; b < B; b++ {
						copy(in.d[b*30*35:(b+1)*30*35], toF64(x.F32[(b*22+t)*30*35:][:30*35]))
					}
					u = r.conv(pre, in, n.Out, false)
				} else {
					var parts []nchw
					for _, p := range n.Inputs {
						parts = append(parts, get(p, width[p]))
					}
					u = r.conv(pre, cat(parts...), n.Out, true)
				}
				C := n.Out
				h, ok := stC[n.Name]
				if !ok {
					h = newNCHW(B, C, arch.GridH, arch.GridW)
				}
				var y nchw
				switch r.cfg.Encoder.Cell {
				case arch.CellTimeDecay:
					tau := r.p[cellP+".tau"][0]
					y = zip(u, h, func(a, s float64) float64 { return a + tau*s })
					stC[n.Name] = y
				case arch.CellUGRNN:
					z := r.conv(cellP+".conv", cat(u, h), 2*C, true)
					g := mapv(r.chunk(z, 0, C, cellP+".ln_g"), sigf)
					c := mapv(r.chunk(z, 1, C, cellP+".ln_c"), math.Tanh)
					y = newNCHW(B, C, 4, 6)
					for i := range y.d {
						y.d[i] = g.d[i]*h.d[i] + (1-g.d[i])*c.d[i]
					}
					stC[n.Name] = y
				case arch.CellIntersection:
					z := r.conv(cellP+".conv", cat(u, h), 4*C, true)
					gh := mapv(r.chunk(z, 0, C, cellP+".ln_gh"), sigf)
					hh := mapv(r.chunk(z, 1, C, cellP+".ln_h"), math.Tanh)
					gy := mapv(r.chunk(z, 2, C, cellP+".ln_gy"), sigf)
					yy := mapv(r.chunk(z, 3, C, cellP+".ln_y"), relu)
					y = newNCHW(B, C, 4, 6)
					s := newNCHW(B, C, 4, 6)
					for i := range y.d {
						y.d[i] = gy.d[i]*u.d[i] + (1-gy.d[i])*yy.d[i]
						s.d[i] = gh.d[i]*h.d[i] + (1-gh.d[i])*hh.d[i]
					}
					stC[n.Name] = s
				case arch.CellGRU:
					z := r.conv(cellP+".conv_ru", cat(u, h), 2*C, true)
					rg := mapv(r.chunk(z, 0, C, cellP+".ln_r"), sigf)
					zg := mapv(r.chunk(z, 1, C, cellP+".ln_z"), sig)
					rh := zip(rg, h, func(a, b float64) float64 { return a * b })
					ca := r.conv(cellP+".conv_c", cat(u, rh), C, true)
					c := mapv(r.chunk(ca, 0, C, cellP+".ln_c"), math.Tanh)
					y = newNCHW(B, C, 4, 6)
					for i := range y.d {
						y.d[i] = zg.d[i]*h.d[i] + (1-zg.d[i])*c.d[i]
					}
					stC[n.Name] = y
				case arch.CellLSTM:
					cprev, ok := stCell[n.Name]
					if !ok {
						cprev = newNCHW(B, C, 4, 6)
					}
					z := r.conv(cellP+".conv", cat(u, h), 4*C, true)
					ig := mapv(r.chunk(z, 0, C, cellP+".ln_i"), sig)
					jg := mapv(r.chunk(z, 1, C, cellP+".ln_j"), math.Tanh)
					fg := mapv(r.chunk(z, 2, C, cellP+".ln_f"), sigf)
					og := mapv(r.chunk(z, 3, C, cellP+".ln_o"), sig)
					cn := newNCHW(B, C, 4, 6)
					for i := range cn.d {
						cn.d[i] = cprev.d[i]*fg.d[i] + ig.d[i]*jg.d[i]
					}
					cn = r.chunk(cn, 0, C, cellP+".ln_cell")
					y = newNCHW(B, C, 4, 6)
					for i := range y.d {
						y.d[i] = math.Tanh(cn.d[i]) * og.d[i]
					}
					stC[n.Name], stCell[n.Name] = y, cn
				}
				curC[n.Name] = mapv(y, relu)
				continue
			}
			// Linear nodes.
			var in [][]float64
			if n.Name == "fc7" {
				var parts []nchw
				for _, p := range n.Inputs {
					parts = append(parts, get(p, width[p]))
				}
				h := cat(parts...)
				in = make([][]float64, B)
				per := h.c * h.h * h.w
				for b := 0; b < B; b++ {
					in[b] = h.d[b*per : (b+1)*per] // NCHW row = C,H,W flatten
				}
			} else {
				in = prevF["fc7"]
				if in == nil {
					in = zeros2(B, width["fc7"])
				}
			}
			u := r.linear(pre, in, n.Out)
			if r.cfg.Encoder.Cell == arch.CellTimeDecay {
				if s, ok := stF[n.Name]; ok {
					tau := r.p[cellP+".tau"][0]
					for b := range u {
						for i := range u[b] {
							u[b][i] += tau * s[b][i]
						}
					}
				}
				stF[n.Name] = u
			}
			y := make([][]float64, B)
			for b := range u {
				y[b] = make([]float64, len(u[b]))
				for i, v := range u[b] {
					y[b][i] = relu(v)
				}
			}
			curF[n.Name] = y
		}
		prevC, prevF = curC, curF
		conv = append(conv, curC)
		fc = append(fc, curF)
	}
	h := prevF["fc8"]
	hid := r.cfg.Decoder.Hidden
	for i := 0; i <= len(hid); i++ {
		out := r.cfg.Classes
		if i < len(hid) {
			out = hid[i]
		}
		h = r.linear("decoder.l"+string(rune('0'+i)), h, out)
		if i < len(hid) {
			for b := range h {
				for j := range h[b] {
					h[b][j] = relu(h[b][j])
				}
			}
		}
	}
	return conv, fc, h
}

func toF64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

func zeros2(r, c int) [][]float64 {
	out := make([][]float64, r)
	for i := range out {
		out[i] = make([]float64, c)
	}
	return out
}

// TestMatchesReference compares logits and the activation rule of the
// gorgonia graph with the direct implementation for every cell.
func TestMatchesReference(t *testing.T) {
	cases := []arch.Config{
		tiny(arch.CellTimeDecay, false, arch.DecoderAddnet),
		tiny(arch.CellUGRNN, false, arch.DecoderLinear),
		tiny(arch.CellUGRNN, true, arch.DecoderLinear),
		tiny(arch.CellIntersection, false, arch.DecoderLinear),
		tiny(arch.CellIntersection, true, arch.DecoderAddnet),
		tiny(arch.CellGRU, false, arch.DecoderLinear),
		tiny(arch.CellGRU, true, arch.DecoderLinear),
		tiny(arch.CellLSTM, false, arch.DecoderLinear),
		tiny(arch.CellLSTM, true, arch.DecoderLinear),
	}
	for _, cfg := range cases {
		name := cfg.Encoder.Cell
		if cfg.Encoder.LayerNorm {
			name += "_ln"
		}
		name += "+" + cfg.Decoder.Kind
		t.Run(name, func(t *testing.T) {
			m, err := NewRandom(cfg, 3)
			if err != nil {
				t.Fatal(err)
			}
			// Non-zero τ so the TimeDecay recursion matters.
			for i := range m.Params {
				if m.Params[i].Init.Kind == arch.InitConstant && len(m.Params[i].Shape) == 1 && m.Params[i].Shape[0] == 1 {
					m.Params[i].Data[0] = 0.6
				}
			}
			const B = 2
			x := randomInput(B, 5)
			gr, err := m.Build(Options{Batch: B, Activations: true})
			if err != nil {
				t.Fatal(err)
			}
			defer gr.Close()
			out, err := gr.Forward(context.Background(), x)
			if err != nil {
				t.Fatal(err)
			}
			conv, fc, logits := newRef(m).forward(x)
			for b := 0; b < B; b++ {
				for k := 0; k < cfg.Classes; k++ {
					got, want := float64(out.Logits.F32[b*cfg.Classes+k]), logits[b][k]
					if math.Abs(got-want) > 1e-4*(1+math.Abs(want)) {
						t.Fatalf("logit[%d][%d] = %g, reference %g", b, k, got, want)
					}
				}
			}
			// Activation rule: layer l averages steps t ≥ l−1.
			for _, n := range cfg.Nodes() {
				a := out.Activations[n.Name]
				first := n.Index - 1
				for b := 0; b < B; b++ {
					F := a.Shape[1]
					for f := 0; f < F; f++ {
						var s float64
						for t := first; t < arch.InputSteps; t++ {
							if n.Conv {
								v := conv[t][n.Name]
								s += v.d[b*v.c*v.h*v.w+f]
							} else {
								s += fc[t][n.Name][b][f]
							}
						}
						want := s / float64(arch.InputSteps-first)
						if got := float64(a.F32[b*F+f]); math.Abs(got-want) > 1e-4*(1+math.Abs(want)) {
							t.Fatalf("%s activation [%d][%d] = %g, reference %g", n.Name, b, f, got, want)
						}
					}
				}
			}
		})
	}
}
