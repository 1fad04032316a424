package gops

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ---------------------------------------------------------------------------
// Self-supervised losses (Chung et al. 2025, paper-spec §2.11). Embeddings
// are (D, M) matrices, one column per view; the views are interleaved:
// columns 2i and 2i+1 are the two views of sample i, so the partner of
// column c is c^1.

// NTXentNormEps is SimCLR's z/(‖z‖ + 1e-10) (paper-spec §2.11).
const NTXentNormEps = 1e-10

// CosineEps is PyTorch's F.cosine_similarity eps: cos = p·z /
// (max(‖p‖, eps)·max(‖z‖, eps)).
const CosineEps = 1e-8

func colNorms[T float](x []T, D, M int) []float64 {
	n := make([]float64, M)
	for d := 0; d < D; d++ {
		for c, v := range x[d*M : (d+1)*M] {
			n[c] += float64(v) * float64(v)
		}
	}
	for c := range n {
		n[c] = math.Sqrt(n[c])
	}
	return n
}

// ntxentSoft returns the normalised embeddings u (M rows of D), and the
// row-softmax P over j ≠ i of s_ij = u_i·u_j/τ (M×M, diagonal 0) with the
// loss (1/M) Σ_i [log Σ_{j≠i} exp s_ij − s_{i,i^1}].
func ntxentSoft[T float](z []T, D, M int, tau float64) (u, P []float64, norms []float64, loss float64) {
	norms = colNorms(z, D, M)
	u = make([]float64, M*D)
	for d := 0; d < D; d++ {
		for c, v := range z[d*M : (d+1)*M] {
			u[c*D+d] = float64(v) / (norms[c] + NTXentNormEps)
		}
	}
	P = make([]float64, M*M)
	for i := 0; i < M; i++ {
		mx := math.Inf(-1)
		row := P[i*M : (i+1)*M]
		for j := 0; j < M; j++ {
			if j == i {
				continue
			}
			var s float64
			for d := 0; d < D; d++ {
				s += u[i*D+d] * u[j*D+d]
			}
			row[j] = s / tau
			mx = math.Max(mx, row[j])
		}
		var sum float64
		for j := 0; j < M; j++ {
			if j != i {
				sum += math.Exp(row[j] - mx)
			}
		}
		lse := math.Log(sum) + mx
		if M > 1 {
			loss += lse - row[i^1]
		}
		for j := 0; j < M; j++ {
			if j == i {
				row[j] = 0
			} else {
				row[j] = math.Exp(row[j] - lse)
			}
		}
	}
	return u, P, norms, loss / float64(M)
}

func ntxent[T float](o, z []T, D, M int, tau float64) {
	_, _, _, l := ntxentSoft(z, D, M, tau)
	o[0] = T(l)
}

// ntxentGrad: with A_ij = (g/M)(P_ij − [j = i^1]) for j ≠ i,
// ∂L/∂u_i = (1/τ) Σ_j (A_ij + A_ji) u_j, and through u = z/(n + ε), n = ‖z‖:
// ∂L/∂z = ∂L/∂u/(n + ε) − z (z·∂L/∂u)/(n (n + ε)²).
func ntxentGrad[T float](dz, z, g []T, D, M int, tau float64) {
	u, P, norms, _ := ntxentSoft(z, D, M, tau)
	s := float64(g[0]) / float64(M)
	A := func(i, j int) float64 {
		a := P[i*M+j]
		if j == i^1 {
			a--
		}
		return s * a
	}
	du := make([]float64, D)
	for i := 0; i < M; i++ {
		clear(du)
		for j := 0; j < M; j++ {
			if j == i {
				continue
			}
			w := (A(i, j) + A(j, i)) / tau
			for d := 0; d < D; d++ {
				du[d] += w * u[j*D+d]
			}
		}
		n := norms[i]
		var zdu float64
		for d := 0; d < D; d++ {
			zdu += float64(z[d*M+i]) * du[d]
		}
		for d := 0; d < D; d++ {
			v := du[d] / (n + NTXentNormEps)
			if n > 0 {
				v -= float64(z[d*M+i]) * zdu / (n * (n + NTXentNormEps) * (n + NTXentNormEps))
			}
			dz[d*M+i] = T(v)
		}
	}
}

func requireViews(name string, z *G.Node) error {
	if err := require2D(name, z); err != nil {
		return err
	}
	if cols(z) < 2 || cols(z)%2 != 0 {
		return fmt.Errorf("%s: %d columns; want an even number ≥ 2 of interleaved views", name, cols(z))
	}
	return nil
}

// NTXent is SimCLR's normalised-temperature cross-entropy over the M = 2N
// interleaved view embeddings z (D, M): each column is normalised to
// u = z/(‖z‖ + 1e-10), s = u uᵀ/τ with the diagonal removed, and the loss
// is the mean over the M rows of the cross-entropy whose positive is the
// partner view and whose negatives are the other M − 2 views
// (Chung et al. 2025, paper-spec §2.11).
func NTXent(z *G.Node, tau float64) (*G.Node, error) {
	if err := requireViews("nt_xent", z); err != nil {
		return nil, err
	}
	if !(tau > 0) || math.IsInf(tau, 0) {
		return nil, fmt.Errorf("nt_xent: temperature %v must be positive", tau)
	}
	D, M := rows(z), cols(z)
	id := fmt.Sprintf("%d,%d,%g", D, M, tau)
	k := &kernel{
		name: "nt_xent{" + id + "}", inDims: []int{2}, outDims: 0,
		shape: fixed("nt_xent", tensor.ScalarShape(), []int{D, M}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { ntxent(o, in[0], D, M, tau) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { ntxent(o, in[0], D, M, tau) },
		wrt:   []bool{true},
	}
	k.grad = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		return one(apply(&kernel{
			name: "nt_xent_grad{" + id + "}", inDims: []int{2, 0}, outDims: 2,
			shape: fixed("nt_xent_grad", tensor.Shape{D, M}, []int{D, M}, []int{}),
			f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { ntxentGrad(o, in[0], in[1], D, M, tau) },
			f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { ntxentGrad(o, in[0], in[1], D, M, tau) },
		}, in[0], g))
	}
	return apply(k, z)
}

// simsiam returns −(1/M) Σ_c cos(p_c, z_{c^1}).
func simsiam[T float](o, p, z []T, D, M int) {
	pn, zn := colNorms(p, D, M), colNorms(z, D, M)
	var s float64
	for c := 0; c < M; c++ {
		var dot float64
		for d := 0; d < D; d++ {
			dot += float64(p[d*M+c]) * float64(z[d*M+(c^1)])
		}
		s += dot / (math.Max(pn[c], CosineEps) * math.Max(zn[c^1], CosineEps))
	}
	o[0] = T(-s / float64(M))
}

// simsiamGrad is ∂/∂p_c of −(g/M) cos(p_c, z'), z' = z_{c^1}:
// −(g/M) (z'/(P Z) − (p·z') p/(P³ Z)) with P = ‖p_c‖, Z = max(‖z'‖, eps);
// below P < eps the denominator is the constant eps·Z and the second
// term vanishes.
func simsiamGrad[T float](dp, p, z, g []T, D, M int) {
	pn, zn := colNorms(p, D, M), colNorms(z, D, M)
	s := -float64(g[0]) / float64(M)
	for c := 0; c < M; c++ {
		P, Z := pn[c], math.Max(zn[c^1], CosineEps)
		var dot float64
		for d := 0; d < D; d++ {
			dot += float64(p[d*M+c]) * float64(z[d*M+(c^1)])
		}
		for d := 0; d < D; d++ {
			zd := float64(z[d*M+(c^1)])
			var v float64
			if P >= CosineEps {
				v = zd/(P*Z) - dot*float64(p[d*M+c])/(P*P*P*Z)
			} else {
				v = zd / (CosineEps * Z)
			}
			dp[d*M+c] = T(s * v)
		}
	}
}

// SimSiamLoss is ½D(p1, z2) + ½D(p2, z1) with D(p, z) = −mean cos(p,
// stopgrad(z)) over the interleaved views: −(1/M) Σ_c cos(p_c, z_{c^1})
// for predictions p and projections z (D, M) (Chung et al. 2025,
// paper-spec §2.11). The op declares no gradient with respect to z, which
// is the stop-gradient: z's subgraph is trained only through p.
func SimSiamLoss(p, z *G.Node) (*G.Node, error) {
	if err := requireViews("simsiam_loss", p); err != nil {
		return nil, err
	}
	D, M := rows(p), cols(p)
	id := fmt.Sprintf("%d,%d", D, M)
	k := &kernel{
		name: "simsiam_loss{" + id + "}", inDims: []int{2, 2}, outDims: 0,
		shape: fixed("simsiam_loss", tensor.ScalarShape(), []int{D, M}, []int{D, M}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { simsiam(o, in[0], in[1], D, M) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { simsiam(o, in[0], in[1], D, M) },
		wrt:   []bool{true, false},
	}
	k.grad = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		dp, err := apply(&kernel{
			name: "simsiam_loss_grad{" + id + "}", inDims: []int{2, 2, 0}, outDims: 2,
			shape: fixed("simsiam_loss_grad", tensor.Shape{D, M}, []int{D, M}, []int{D, M}, []int{}),
			f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { simsiamGrad(o, in[0], in[1], in[2], D, M) },
			f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { simsiamGrad(o, in[0], in[1], in[2], D, M) },
		}, in[0], in[1], g)
		return G.Nodes{dp, nil}, err
	}
	return apply(k, p, z)
}

// AEL1 is the weight of the autoencoder's mean |hidden| term
// (paper-spec §2.11).
const AEL1 = 1e-4

func aeStep[T float](o, r, x, h []T, nr, nh float64) {
	var sq, ab float64
	for i, v := range r {
		d := float64(v) - float64(x[i])
		sq += d * d
	}
	for _, v := range h {
		ab += math.Abs(float64(v))
	}
	o[0] = T(0.5*sq/nr + AEL1*ab/nh)
}

// AEStepLoss is one time step's share of the autoencoder loss
// 0.5·MSE(recon, input) + 1e-4·mean|hidden| (paper-spec §2.11): for the
// step's reconstruction r and input x (same shape) and hidden state h, it
// is 0.5·Σ(r − x)²/nr + 1e-4·Σ|h|/nh, where nr and nh are the element
// counts of the whole reconstruction and hidden tensors over all steps,
// so the steps' shares sum to the loss. x gets no gradient; |h|'s
// gradient is sign(h) (0 at 0, as PyTorch).
func AEStepLoss(r, x, h *G.Node, nr, nh int) (*G.Node, error) {
	for _, n := range []*G.Node{r, x, h} {
		if err := require2D("ae_step_loss", n); err != nil {
			return nil, err
		}
	}
	R, N := rows(r), cols(r)
	Hd, B := rows(h), cols(h)
	if nr < R*N || nh < Hd*B {
		return nil, fmt.Errorf("ae_step_loss: totals %d, %d below one step's %d, %d", nr, nh, R*N, Hd*B)
	}
	id := fmt.Sprintf("%d,%d,%d,%d,%d,%d", R, N, Hd, B, nr, nh)
	fr, fh := float64(nr), float64(nh)
	k := &kernel{
		name: "ae_step_loss{" + id + "}", inDims: []int{2, 2, 2}, outDims: 0,
		shape: fixed("ae_step_loss", tensor.ScalarShape(), []int{R, N}, []int{R, N}, []int{Hd, B}),
		f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { aeStep(o, in[0], in[1], in[2], fr, fh) },
		f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { aeStep(o, in[0], in[1], in[2], fr, fh) },
		wrt:   []bool{true, false, true},
	}
	k.grad = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		dr, err := apply(&kernel{
			name: "ae_step_loss_dr{" + id + "}", inDims: []int{2, 2, 0}, outDims: 2,
			shape: fixed("ae_step_loss_dr", tensor.Shape{R, N}, []int{R, N}, []int{R, N}, []int{}),
			f32: func(o []float32, in [][]float32, _ []tensor.Shape) {
				s := float64(in[2][0]) / fr
				for i, v := range in[0] {
					o[i] = float32(s * (float64(v) - float64(in[1][i])))
				}
			},
			f64: func(o []float64, in [][]float64, _ []tensor.Shape) {
				s := in[2][0] / fr
				for i, v := range in[0] {
					o[i] = s * (v - in[1][i])
				}
			},
		}, in[0], in[1], g)
		if err != nil {
			return nil, err
		}
		dh, err := apply(&kernel{
			name: "ae_step_loss_dh{" + id + "}", inDims: []int{2, 0}, outDims: 2,
			shape: fixed("ae_step_loss_dh", tensor.Shape{Hd, B}, []int{Hd, B}, []int{}),
			f32:   func(o []float32, in [][]float32, _ []tensor.Shape) { signScale(o, in[0], float64(in[1][0])*AEL1/fh) },
			f64:   func(o []float64, in [][]float64, _ []tensor.Shape) { signScale(o, in[0], in[1][0]*AEL1/fh) },
		}, in[2], g)
		return G.Nodes{dr, nil, dh}, err
	}
	return apply(k, r, x, h)
}

func signScale[T float](o, x []T, s float64) {
	for i, v := range x {
		switch {
		case v > 0:
			o[i] = T(s)
		case v < 0:
			o[i] = T(-s)
		default:
			o[i] = 0
		}
	}
}

// ---------------------------------------------------------------------------
// Transposed convolution weights. A ConvTranspose2d with a K×K kernel,
// stride 1 and padding P is the 'same'-geometry Conv2d (padding K−1−P)
// whose weight is the transposed weight with in/out swapped and the kernel
// flipped: w'[o, i, kh, kw] = w[i, o, K−1−kh, K−1−kw].

func convTWeight[T float](o, w []T, in, out, K int) {
	KK := K * K
	for i := 0; i < in; i++ {
		for oc := 0; oc < out; oc++ {
			for kh := 0; kh < K; kh++ {
				for kw := 0; kw < K; kw++ {
					o[oc*in*KK+i*KK+kh*K+kw] = w[i*out*KK+oc*KK+(K-1-kh)*K+(K-1-kw)]
				}
			}
		}
	}
}

// ConvTransposeWeight turns a PyTorch ConvTranspose2d weight (in, out, K,
// K), held as the matrix (in, out·K·K), into the equivalent Conv2d weight
// matrix (out, in·K·K): in/out swapped and the kernel flipped. The map is
// a permutation; its adjoint is the same map with in and out exchanged.
func ConvTransposeWeight(w *G.Node, in, out, K int) (*G.Node, error) {
	if err := require2D("convt_weight", w); err != nil {
		return nil, err
	}
	if in <= 0 || out <= 0 || K <= 0 {
		return nil, fmt.Errorf("convt_weight: in %d, out %d, kernel %d must be positive", in, out, K)
	}
	KK := K * K
	k := &kernel{
		name: fmt.Sprintf("convt_weight{%d,%d,%d}", in, out, K), inDims: []int{2}, outDims: 2,
		shape: fixed("convt_weight", tensor.Shape{out, in * KK}, []int{in, out * KK}),
		f32:   func(o []float32, x [][]float32, _ []tensor.Shape) { convTWeight(o, x[0], in, out, K) },
		f64:   func(o []float64, x [][]float64, _ []tensor.Shape) { convTWeight(o, x[0], in, out, K) },
		wrt:   []bool{true},
	}
	k.grad = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) { return one(ConvTransposeWeight(g, out, in, K)) }
	return apply(k, w)
}
