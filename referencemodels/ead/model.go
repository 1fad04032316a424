package ead

import (
	"context"
	"fmt"
	"math"
	"strings"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/referencemodels/arch"
	"github.com/whiskerbench/whiskerbench/referencemodels/gops"
)

// Model is an architecture with its parameters.
type Model struct {
	Config arch.Config
	Params arch.Params
}

// New checks that params match cfg's parameter list exactly (names, order,
// shapes, finite values) and returns the model; params are not copied.
func New(cfg arch.Config, params arch.Params) (*Model, error) {
	specs, err := cfg.Specs()
	if err != nil {
		return nil, err
	}
	if len(params) != len(specs) {
		return nil, fmt.Errorf("model: %d parameters, config needs %d", len(params), len(specs))
	}
	for i, s := range specs {
		p := params[i]
		if p.Name != s.Name {
			return nil, fmt.Errorf("model: parameter %d is %q, want %q", i, p.Name, s.Name)
		}
		if fmt.Sprint(p.Shape) != fmt.Sprint(s.Shape) || len(p.Data) != s.Size() {
			return nil, fmt.Errorf("model: parameter %s has shape %v (%d values), want %v", s.Name, p.Shape, len(p.Data), s.Shape)
		}
		for j, v := range p.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("model: parameter %s element %d is %v", s.Name, j, v)
			}
		}
	}
	return &Model{Config: cfg, Params: params}, nil
}

// NewRandom returns a model with cfg's deterministic initialisation from seed.
func NewRandom(cfg arch.Config, seed uint64) (*Model, error) {
	p, err := cfg.Init(seed)
	if err != nil {
		return nil, err
	}
	return &Model{Config: cfg, Params: p}, nil
}

// Options choose what a Graph computes.
type Options struct {
	// Batch is the fixed batch size of the graph.
	Batch int
	// Train adds the loss, its gradients and (if configured) dropout.
	Train bool
	// Activations adds taps for every layer of the activation rule.
	Activations bool
	// Float64 builds the graph in float64 (for gradient checks); the
	// parameters are then copied in at every run instead of shared.
	Float64 bool
	// DropoutSeed seeds the dropout masks of a training graph.
	DropoutSeed uint64
	// FrozenBackbone (with Train) builds a linear probe's graph: the
	// encoder and attender run in inference mode (BatchNorm running
	// statistics, no dropout, no buffer updates) and only the decoder's
	// parameters get gradients, so Step returns nil for every other
	// parameter and no backbone gradient is computed.
	FrozenBackbone bool
}

// Graph is a compiled gorgonia graph of a model for one batch size. It
// shares the model's float32 parameter slices, so updating them in place
// changes the next run. A Graph is not safe for concurrent use; build one
// per goroutine.
type Graph struct {
	m      *Model
	opts   Options
	g      *G.ExprGraph
	vm     G.VM
	xs     []*G.Node
	xData  [][]float32
	xData6 [][]float64
	target *G.Node
	tData  any
	// pnodes are the trainable parameters' leaves; pidx[i] is the index in
	// m.Params of pnodes[i] (buffers have no leaf).
	pnodes []*G.Node
	pidx   []int
	// grad[i] tells whether pnodes[i] gets a gradient (all of them unless
	// the backbone is frozen).
	grad   []bool
	p64    [][]float64
	logits *gops.Capture
	loss   *gops.Capture
	taps   map[string][]*gops.Capture
	masks  []*mask
	rng    *dropRNG
	vmOpts []G.VMOpt
}

// maxBuilds bounds the rebuilds that avoid gorgonia hash collisions.
const maxBuilds = 8

// Build compiles a graph for m.
//
// gorgonia's compiler merges nodes whose 32-bit structural hashes are
// equal without comparing them (common-subexpression elimination by value
// numbering), so in a graph of tens of thousands of nodes a chance
// collision silently replaces one computation by another. Build therefore
// checks every node's hash and, on a collision, rebuilds with every leaf
// renamed by a salt, which changes the hash of every node.
func (m *Model) Build(opts Options) (*Graph, error) {
	if opts.Batch <= 0 {
		return nil, fmt.Errorf("build: batch %d must be positive", opts.Batch)
	}
	if _, err := New(m.Config, m.Params); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	for attempt := 0; attempt < maxBuilds; attempt++ {
		salt := ""
		if attempt > 0 {
			salt = fmt.Sprintf("~%d", attempt)
		}
		gr, collided, err := m.build(opts, salt)
		if err != nil {
			return nil, err
		}
		if !collided {
			return gr, nil
		}
	}
	return nil, fmt.Errorf("build: gorgonia node hashes still collide after %d salted rebuilds", maxBuilds)
}

// hashCollision reports whether two distinct nodes of g share a hash.
func hashCollision(g *G.ExprGraph) bool {
	seen := map[uint32]*G.Node{}
	for _, n := range g.AllNodes() {
		h := n.Hashcode()
		if o, ok := seen[h]; ok && o != n {
			return true
		}
		seen[h] = n
	}
	return false
}

func (m *Model) build(opts Options, salt string) (*Graph, bool, error) {
	cfg := m.Config
	b, gr := m.leaves(opts, salt)
	b.train = opts.Train && !opts.FrozenBackbone
	feat, err := b.features(gr.xs)
	if err != nil {
		return nil, false, fmt.Errorf("build: %w", err)
	}
	b.train = opts.Train
	logits, err := b.decoder(feat)
	if err != nil {
		return nil, false, fmt.Errorf("build: %w", err)
	}
	gr.logits = &gops.Capture{}
	if _, err := gops.Tap(logits, gr.logits, "logits"); err != nil {
		return nil, false, fmt.Errorf("build: %w", err)
	}
	if opts.Train {
		K := cfg.Classes
		gr.tData = b.alloc(K * opts.Batch)
		gr.target = G.NewTensor(b.g, b.dt, 2, G.WithShape(K, opts.Batch), G.WithName("target"+salt),
			G.WithValue(b.newTensor([]int{K, opts.Batch}, gr.tData)))
		loss, err := gops.SoftmaxXent(logits, gr.target)
		if err != nil {
			return nil, false, fmt.Errorf("build loss: %w", err)
		}
		if opts.FrozenBackbone {
			for i, j := range gr.pidx {
				gr.grad[i] = strings.HasPrefix(m.Params[j].Name, "decoder.")
			}
		}
		if err := gr.backprop(b, loss); err != nil {
			return nil, false, err
		}
	}
	return gr.compile(b)
}

// backprop adds the loss tap and the gradients of loss with respect to the
// parameters gr.grad selects.
func (gr *Graph) backprop(b *builder, loss *G.Node) error {
	gr.loss = &gops.Capture{}
	if _, err := gops.Tap(loss, gr.loss, "loss"); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	// Backpropagate with a graph-local seed node rather than G.Grad,
	// whose shared package-level constant races across graphs.
	wrt := gr.gradNodes()
	if _, err := G.Backpropagate(G.Nodes{loss}, G.Nodes{b.one}, wrt); err != nil {
		return fmt.Errorf("build gradients: %w", err)
	}
	gr.vmOpts = append(gr.vmOpts, G.BindDualValues(wrt...))
	return nil
}

// gradNodes returns the parameter leaves that get gradients.
func (gr *Graph) gradNodes() G.Nodes {
	var out G.Nodes
	for i, n := range gr.pnodes {
		if gr.grad[i] {
			out = append(out, n)
		}
	}
	return out
}

// compile checks for hash collisions (true: rebuild with another salt)
// and creates the machine.
func (gr *Graph) compile(b *builder) (*Graph, bool, error) {
	if hashCollision(b.g) {
		return nil, true, nil
	}
	gr.taps = b.taps
	gr.masks = b.masks
	gr.vm = G.NewTapeMachine(b.g, gr.vmOpts...)
	return gr, false, nil
}

// leaves starts a graph of m: the builder, one leaf per trainable
// parameter (buffers are handed to their ops as slices) and one input node
// per time step.
func (m *Model) leaves(opts Options, salt string) (*builder, *Graph) {
	cfg := m.Config
	dt := tensor.Float32
	if opts.Float64 {
		dt = tensor.Float64
	}
	b := &builder{cfg: cfg, g: G.NewGraph(), dt: dt, batch: opts.Batch, train: opts.Train,
		params: map[string]*G.Node{}, buffers: map[string][]float32{}, zeros: map[string]*G.Node{}, salt: salt,
		ws: gops.NewWorkspace(0)}
	if opts.Activations {
		b.taps = map[string][]*gops.Capture{}
	}
	gr := &Graph{m: m, opts: opts, g: b.g, rng: newDropRNG(opts.DropoutSeed)}
	if dt == tensor.Float32 {
		b.one = G.NewConstant(float32(1), G.WithName("one"+salt))
	} else {
		b.one = G.NewConstant(1.0, G.WithName("one"+salt))
	}
	b.one = b.g.AddNode(b.one)
	for i, p := range m.Params {
		if p.Buffer {
			// Buffers are not graph leaves: the op that owns them reads
			// and (in training) updates the slice directly.
			b.buffers[p.Name] = p.Data
			continue
		}
		shape := graphShape(p.Shape)
		var backing any = p.Data
		if opts.Float64 {
			d := make([]float64, len(p.Data))
			gr.p64 = append(gr.p64, d)
			backing = d
		}
		n := G.NewTensor(b.g, dt, len(shape), G.WithShape(shape...), G.WithName(p.Name+salt),
			G.WithValue(b.newTensor(shape, backing)))
		b.params[p.Name] = n
		gr.pnodes = append(gr.pnodes, n)
		gr.pidx = append(gr.pidx, i)
		gr.grad = append(gr.grad, true)
	}
	// One input node per step, (30, B·35), column b·35 + h·7 + w.
	N := opts.Batch * arch.InputHeight * arch.InputWidth
	for t := 0; t < arch.InputSteps; t++ {
		backing := b.alloc(arch.InputChannels * N)
		switch d := backing.(type) {
		case []float32:
			gr.xData = append(gr.xData, d)
		case []float64:
			gr.xData6 = append(gr.xData6, d)
		}
		x := G.NewTensor(b.g, dt, 2, G.WithShape(arch.InputChannels, N), G.WithName(fmt.Sprintf("x_%d%s", t, salt)),
			G.WithValue(b.newTensor([]int{arch.InputChannels, N}, backing)))
		gr.xs = append(gr.xs, x)
	}
	return b, gr
}

// graphShape is a parameter's shape inside the graph: conv weights
// (out, in, 2, 2) act as (out, 4·in) matrices over the same row-major data.
func graphShape(s []int) []int {
	if len(s) == 4 {
		return []int{s[0], s[1] * s[2] * s[3]}
	}
	return append([]int(nil), s...)
}

// Close releases the graph's machine.
func (gr *Graph) Close() error {
	if gr.vm != nil {
		return gr.vm.Close()
	}
	return nil
}

// setInput checks x (B, 22, 30, 5, 7) float32 and copies it into the step
// inputs: x_t[c, b·35 + p] = x[b, t, c, p].
func (gr *Graph) setInput(x ndarray.Array) error {
	B := gr.opts.Batch
	want := []int{B, arch.InputSteps, arch.InputChannels, arch.InputHeight, arch.InputWidth}
	if x.DType != ndarray.Float32 {
		return fmt.Errorf("input: dtype %s, want float32", x.DType)
	}
	if fmt.Sprint(x.Shape) != fmt.Sprint(want) || len(x.F32) != ndarray.Size(want) {
		return fmt.Errorf("input: shape %s, want %s", x.ShapeString(), ndarray.ShapeString(want))
	}
	if i := x.FirstNonFinite(); i >= 0 {
		return fmt.Errorf("input: element %v is not finite", x.Index(i))
	}
	const P = arch.InputHeight * arch.InputWidth
	for t := 0; t < arch.InputSteps; t++ {
		for b := 0; b < B; b++ {
			for c := 0; c < arch.InputChannels; c++ {
				src := x.F32[((b*arch.InputSteps+t)*arch.InputChannels+c)*P:][:P]
				off := c*B*P + b*P
				if gr.xData != nil {
					copy(gr.xData[t][off:off+P], src)
				} else {
					for p, v := range src {
						gr.xData6[t][off+p] = float64(v)
					}
				}
			}
		}
	}
	return nil
}

func (gr *Graph) run(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, d := range gr.p64 {
		for j, v := range gr.m.Params[gr.pidx[i]].Data {
			d[j] = float64(v)
		}
	}
	for _, mk := range gr.masks {
		gr.rng.fill(mk)
	}
	if gr.opts.Train {
		// The machine accumulates into the bound gradients across runs;
		// every Step reports the gradient of its own batch only.
		for i, n := range gr.pnodes {
			if !gr.grad[i] {
				continue
			}
			gv, err := n.Grad()
			if err != nil {
				return fmt.Errorf("gradient of %s: %w", gr.m.Params[gr.pidx[i]].Name, err)
			}
			if gv == nil {
				continue // not yet allocated before the first run
			}
			t, ok := gv.(tensor.Tensor)
			if !ok {
				return fmt.Errorf("gradient of %s has type %T", gr.m.Params[gr.pidx[i]].Name, gv)
			}
			t.Zero()
		}
	}
	gr.vm.Reset()
	if err := gr.vm.RunAll(); err != nil {
		return fmt.Errorf("run graph: %w", err)
	}
	return nil
}

// Output is the result of one forward pass.
type Output struct {
	// Logits is (B, classes).
	Logits ndarray.Array
	// Activations maps every layer name of the activation rule to (B, F);
	// nil unless the graph was built with Activations.
	Activations map[string]ndarray.Array
}

// Forward runs the graph on x (B, 22, 30, 5, 7).
func (gr *Graph) Forward(ctx context.Context, x ndarray.Array) (*Output, error) {
	if gr.opts.Train {
		return nil, fmt.Errorf("forward: graph was built for training; build one with Train false")
	}
	if err := gr.setInput(x); err != nil {
		return nil, fmt.Errorf("forward: %w", err)
	}
	if err := gr.run(ctx); err != nil {
		return nil, fmt.Errorf("forward: %w", err)
	}
	return gr.output()
}

func (gr *Graph) output() (*Output, error) {
	_, d := gr.logits.Values()
	K, B := gr.m.Config.Classes, gr.opts.Batch
	lg := make([]float32, K*B)
	for k := 0; k < K; k++ {
		for b := 0; b < B; b++ {
			lg[b*K+k] = float32(d[k*B+b])
		}
	}
	out := &Output{Logits: ndarray.FromFloat32([]int{B, K}, lg)}
	if gr.taps != nil {
		acts, err := gr.activations()
		if err != nil {
			return nil, err
		}
		out.Activations = acts
	}
	return out, nil
}

// Step runs one training pass on x with integer labels and returns the
// mean cross-entropy, the logits and the gradient of every parameter (in
// parameter order, flat row-major like the parameter data). The gradient
// slices are reused by the next Step.
func (gr *Graph) Step(ctx context.Context, x ndarray.Array, labels []int) (loss float64, logits ndarray.Array, grads [][]float32, err error) {
	if !gr.opts.Train {
		return 0, ndarray.Array{}, nil, fmt.Errorf("step: graph was built without Train")
	}
	if err := gr.setInput(x); err != nil {
		return 0, ndarray.Array{}, nil, fmt.Errorf("step: %w", err)
	}
	K, B := gr.m.Config.Classes, gr.opts.Batch
	if len(labels) != B {
		return 0, ndarray.Array{}, nil, fmt.Errorf("step: %d labels for batch %d", len(labels), B)
	}
	switch t := gr.tData.(type) {
	case []float32:
		clear(t)
	case []float64:
		clear(t)
	}
	for b, y := range labels {
		if y < 0 || y >= K {
			return 0, ndarray.Array{}, nil, fmt.Errorf("step: label %d of sample %d outside [0, %d)", y, b, K)
		}
		switch t := gr.tData.(type) {
		case []float32:
			t[y*B+b] = 1
		case []float64:
			t[y*B+b] = 1
		}
	}
	if err := gr.run(ctx); err != nil {
		return 0, ndarray.Array{}, nil, fmt.Errorf("step: %w", err)
	}
	_, l := gr.loss.Values()
	// One gradient per parameter in m.Params order; buffers get nil.
	grads, err = gr.grads32()
	if err != nil {
		return 0, ndarray.Array{}, nil, fmt.Errorf("step: %w", err)
	}
	out, err := gr.output()
	if err != nil {
		return 0, ndarray.Array{}, nil, err
	}
	return l[0], out.Logits, grads, nil
}

// grads32 returns the gradients of the last run in m.Params order, nil for
// buffers and frozen parameters; float32 graphs share the machine's
// slices.
func (gr *Graph) grads32() ([][]float32, error) {
	grads := make([][]float32, len(gr.m.Params))
	for i, n := range gr.pnodes {
		if !gr.grad[i] {
			continue
		}
		name := gr.m.Params[gr.pidx[i]].Name
		gv, err := n.Grad()
		if err != nil {
			return nil, fmt.Errorf("gradient of %s: %w", name, err)
		}
		switch d := gv.Data().(type) {
		case []float32:
			grads[gr.pidx[i]] = d
		case []float64:
			g := make([]float32, len(d))
			for j, v := range d {
				g[j] = float32(v)
			}
			grads[gr.pidx[i]] = g
		default:
			return nil, fmt.Errorf("gradient of %s has type %T", name, d)
		}
	}
	return grads, nil
}

// Grads64 returns the float64 gradients of the last Step of a Float64
// graph, in m.Params order, nil for buffers.
func (gr *Graph) Grads64() ([][]float64, error) {
	out := make([][]float64, len(gr.m.Params))
	for i, n := range gr.pnodes {
		if !gr.grad[i] {
			continue
		}
		gv, err := n.Grad()
		if err != nil {
			return nil, err
		}
		d, ok := gv.Data().([]float64)
		if !ok {
			return nil, fmt.Errorf("gradient of %s is %T, not float64", gr.m.Params[gr.pidx[i]].Name, gv.Data())
		}
		out[gr.pidx[i]] = d
	}
	return out, nil
}

// Activations runs m in inference mode (no dropout) on x (B, 22, 30, 5, 7)
// and returns one (B, F) float32 array per layer of LayerNames.
func Activations(ctx context.Context, m *Model, x ndarray.Array) (map[string]ndarray.Array, error) {
	if x.Dims() != 5 {
		return nil, fmt.Errorf("activations: input shape %s, want (B, 22, 30, 5, 7)", x.ShapeString())
	}
	gr, err := m.Build(Options{Batch: x.Shape[0], Activations: true})
	if err != nil {
		return nil, fmt.Errorf("activations: %w", err)
	}
	defer gr.Close()
	out, err := gr.Forward(ctx, x)
	if err != nil {
		return nil, fmt.Errorf("activations: %w", err)
	}
	return out.Activations, nil
}

// Predict runs m in inference mode on x and returns the logits (B, classes).
func Predict(ctx context.Context, m *Model, x ndarray.Array) (ndarray.Array, error) {
	if x.Dims() != 5 {
		return ndarray.Array{}, fmt.Errorf("predict: input shape %s, want (B, 22, 30, 5, 7)", x.ShapeString())
	}
	gr, err := m.Build(Options{Batch: x.Shape[0]})
	if err != nil {
		return ndarray.Array{}, fmt.Errorf("predict: %w", err)
	}
	defer gr.Close()
	out, err := gr.Forward(ctx, x)
	if err != nil {
		return ndarray.Array{}, fmt.Errorf("predict: %w", err)
	}
	return out.Logits, nil
}
