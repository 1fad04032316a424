package ead

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/gops"
)

// builder assembles one gorgonia graph for a fixed batch size.
type builder struct {
	cfg   arch.Config
	g     *G.ExprGraph
	dt    tensor.Dtype
	batch int
	train bool
	// salt suffixes every leaf name (see Build).
	salt   string
	params map[string]*G.Node
	// buffers are the non-trainable state slices (BatchNorm running
	// statistics), shared with the model's parameters.
	buffers map[string][]float32
	// ws holds the GEMM buffers shared by every matrix product of the graph.
	ws    *gops.Workspace
	zeros map[string]*G.Node
	one   *G.Node
	// taps maps a layer name to one capture per kept time step (encoder)
	// or a single capture (attender, decoder).
	taps   map[string][]*gops.Capture
	tapIDs int
	// dropout masks to refill before every training run.
	masks []*mask
}

type mask struct {
	node *G.Node
	data any // []float32 or []float64 backing the node's value
	p    float64
}

func (b *builder) param(name string) (*G.Node, error) {
	n, ok := b.params[name]
	if !ok {
		return nil, fmt.Errorf("graph: parameter %s missing", name)
	}
	return n, nil
}

func (b *builder) newTensor(shape []int, backing any) tensor.Tensor {
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(backing))
}

func (b *builder) alloc(n int) any {
	if b.dt == tensor.Float32 {
		return make([]float32, n)
	}
	return make([]float64, n)
}

// zero returns a named zero constant of shape (r, c), shared within the graph.
func (b *builder) zero(r, c int) *G.Node {
	key := fmt.Sprintf("zeros_%dx%d", r, c)
	if z, ok := b.zeros[key]; ok {
		return z
	}
	z := G.NewTensor(b.g, b.dt, 2, G.WithShape(r, c), G.WithName(key+b.salt),
		G.WithValue(b.newTensor([]int{r, c}, b.alloc(r*c))))
	b.zeros[key] = z
	return z
}

func (b *builder) tap(layer string, x *G.Node) error {
	c := &gops.Capture{}
	b.tapIDs++
	if _, err := gops.Tap(x, c, fmt.Sprintf("%s#%d", layer, b.tapIDs)); err != nil {
		return err
	}
	b.taps[layer] = append(b.taps[layer], c)
	return nil
}

// linear returns W·x + bias for W (out, in) and x (in, N); bias may be "".
func (b *builder) linear(prefix string, x *G.Node, bias bool) (*G.Node, error) {
	w, err := b.param(prefix + ".weight")
	if err != nil {
		return nil, err
	}
	y, err := b.ws.MatMul(w, x)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", prefix, err)
	}
	if !bias {
		return y, nil
	}
	bn, err := b.param(prefix + ".bias")
	if err != nil {
		return nil, err
	}
	return gops.AddBias(y, bn)
}

// conv returns the 2x2 conv of x (C, batch·h·w): im2col then W (out, 4C).
func (b *builder) conv(prefix string, x *G.Node, h, w int, same bool) (*G.Node, error) {
	cols, err := gops.Im2Col(x, b.batch, h, w, same)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", prefix, err)
	}
	return b.linear(prefix, cols, true)
}

// Elementwise helpers; errors are collected in e so the cell equations read
// as equations.
type ew struct {
	b   *builder
	err error
}

func (e *ew) do(n *G.Node, err error) *G.Node {
	if err != nil && e.err == nil {
		e.err = err
	}
	return n
}
func (e *ew) add(a, b *G.Node) *G.Node {
	if e.err != nil {
		return nil
	}
	return e.do(G.Add(a, b))
}
func (e *ew) sub(a, b *G.Node) *G.Node {
	if e.err != nil {
		return nil
	}
	return e.do(G.Sub(a, b))
}
func (e *ew) mul(a, b *G.Node) *G.Node {
	if e.err != nil {
		return nil
	}
	return e.do(G.HadamardProd(a, b))
}
func (e *ew) sigmoid(a *G.Node) *G.Node {
	if e.err != nil {
		return nil
	}
	return e.do(G.Sigmoid(a))
}

// forgetBias is the cells' forget_bias b_f (paper-spec §2.3).
const forgetBias = 1.0

// sigmoidForget is σ(a + b_f) with forget_bias b_f = 1.0 (paper-spec §2.3).
func (e *ew) sigmoidForget(a *G.Node) *G.Node {
	if e.err != nil {
		return nil
	}
	return e.sigmoid(e.do(G.Add(a, e.b.one)))
}
func (e *ew) tanh(a *G.Node) *G.Node {
	if e.err != nil {
		return nil
	}
	return e.do(G.Tanh(a))
}
func (e *ew) relu(a *G.Node) *G.Node {
	if e.err != nil {
		return nil
	}
	return e.do(G.Rectify(a))
}

// lerp returns a + g·(b − a) = g·b + (1 − g)·a.
func (e *ew) lerp(g, b, a *G.Node) *G.Node { return e.add(a, e.mul(g, e.sub(b, a))) }

// batchNorm applies the BatchNorm prefix (weight, bias, running_mean,
// running_var) over the columns of x (C, N): batch statistics in a training
// graph, running statistics otherwise (paper-spec §2.4, §2.11).
func (b *builder) batchNorm(prefix string, x *G.Node) (*G.Node, error) {
	w, err := b.param(prefix + ".weight")
	if err != nil {
		return nil, err
	}
	bias, err := b.param(prefix + ".bias")
	if err != nil {
		return nil, err
	}
	mean, ok1 := b.buffers[prefix+".running_mean"]
	vr, ok2 := b.buffers[prefix+".running_var"]
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("graph: running statistics of %s missing", prefix)
	}
	return gops.BatchNorm(x, w, bias, &gops.BNState{Name: prefix + b.salt, Mean: mean, Var: vr}, b.train)
}
