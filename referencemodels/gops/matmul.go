package gops

import (
	"fmt"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray/gemm"
)

// Workspace holds the packing buffers that the matrix products of one graph
// share, so that a training step reuses them instead of allocating. A nil
// *Workspace is valid and allocates per product. Products on one Workspace
// are serialised by its mutex.
type Workspace struct {
	mu sync.Mutex
	s  gemm.Scratch
	// workers is the GEMM worker count; 0 means GOMAXPROCS at each call.
	workers int
}

// NewWorkspace returns an empty Workspace whose products use workers
// goroutines (0: GOMAXPROCS at each call).
func NewWorkspace(workers int) *Workspace { return &Workspace{workers: max(0, workers)} }

func (w *Workspace) run(f func(s *gemm.Scratch, workers int)) {
	if w == nil {
		f(nil, runtime.GOMAXPROCS(0))
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	n := w.workers
	if n == 0 {
		n = runtime.GOMAXPROCS(0)
	}
	f(&w.s, n)
}

// transposition of a matrix product's operands.
type trans int

const (
	nn trans = iota // a·b
	nt              // a·bᵀ
	tn              // aᵀ·b
)

func (t trans) String() string { return [...]string{"matmul", "matmul_nt", "matmul_tn"}[t] }

// MatMul returns a·b for a (M, K) and b (K, N). Float32 products run on
// package gemm's assembly kernels (gonum's pure-Go BLAS under the purego
// tag or off amd64); float64 ones on gonum's BLAS. It replaces G.Mul for
// matrices: same values within float32 rounding, same gradients.
func (w *Workspace) MatMul(a, b *G.Node) (*G.Node, error) { return w.matmul(nn, a, b) }

// MatMulNT returns a·bᵀ for a (M, K) and b (N, K).
func (w *Workspace) MatMulNT(a, b *G.Node) (*G.Node, error) { return w.matmul(nt, a, b) }

// MatMulTN returns aᵀ·b for a (K, M) and b (K, N).
func (w *Workspace) MatMulTN(a, b *G.Node) (*G.Node, error) { return w.matmul(tn, a, b) }

// MatMul is (*Workspace)(nil).MatMul: a·b with buffers allocated per call.
func MatMul(a, b *G.Node) (*G.Node, error) { return (*Workspace)(nil).MatMul(a, b) }

func (w *Workspace) matmul(t trans, a, b *G.Node) (*G.Node, error) {
	name := t.String()
	if err := require2D(name, a); err != nil {
		return nil, err
	}
	if err := require2D(name, b); err != nil {
		return nil, err
	}
	ar, ac, br, bc := rows(a), cols(a), rows(b), cols(b)
	M, K, N := ar, ac, bc
	wantA, wantB := []int{M, K}, []int{K, N}
	switch t {
	case nt:
		M, K, N = ar, ac, br
		wantA, wantB = []int{M, K}, []int{N, K}
	case tn:
		M, K, N = ac, ar, bc
		wantA, wantB = []int{K, M}, []int{K, N}
	}
	if (t == nn && ac != br) || (t == nt && ac != bc) || (t == tn && ar != br) {
		return nil, fmt.Errorf("%s: shapes %v and %v do not conform", name, a.Shape(), b.Shape())
	}
	k := &kernel{
		name: fmt.Sprintf("%s{%d,%d,%d}", name, M, K, N), inDims: []int{2, 2}, outDims: 2,
		shape: fixed(name, tensor.Shape{M, N}, wantA, wantB),
		f32: func(o []float32, in [][]float32, _ []tensor.Shape) {
			w.run(func(s *gemm.Scratch, workers int) {
				switch t {
				case nn:
					gemm.Mul(s, M, K, N, in[0], K, in[1], N, o, N, workers)
				case nt:
					gemm.MulNT(s, M, K, N, in[0], K, in[1], K, o, N, workers)
				case tn:
					gemm.MulTN(s, M, K, N, in[0], M, in[1], N, o, N, workers)
				}
			})
		},
		f64: func(o []float64, in [][]float64, _ []tensor.Shape) {
			ta, tb, lda, ldb := blas.NoTrans, blas.NoTrans, K, N
			switch t {
			case nt:
				tb, ldb = blas.Trans, K
			case tn:
				ta, lda = blas.Trans, M
			}
			if K == 0 {
				clear(o)
				return
			}
			gonum.Implementation{}.Dgemm(ta, tb, M, N, K, 1, in[0], lda, in[1], ldb, 0, o, N)
		},
		wrt: []bool{true, true},
	}
	k.grad = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		var da, db *G.Node
		var err error
		switch t {
		case nn: // c = a·b: da = g·bᵀ, db = aᵀ·g
			if da, err = w.MatMulNT(g, in[1]); err == nil {
				db, err = w.MatMulTN(in[0], g)
			}
		case nt: // c = a·bᵀ: da = g·b, db = gᵀ·a
			if da, err = w.MatMul(g, in[1]); err == nil {
				db, err = w.MatMulTN(g, in[0])
			}
		case tn: // c = aᵀ·b: da = b·gᵀ, db = a·g
			if da, err = w.MatMulNT(in[1], g); err == nil {
				db, err = w.MatMul(in[0], g)
			}
		}
		return G.Nodes{da, db}, err
	}
	return apply(k, a, b)
}
