package gops

import (
	"fmt"
	"hash"
	"hash/fnv"
	"unsafe"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

type float interface{ ~float32 | ~float64 }

// kernel is one custom operation: a pure function of its inputs with a
// fixed output shape, optionally differentiable symbolically.
type kernel struct {
	// name identifies the operation and every parameter it closes over;
	// gorgonia merges nodes with equal hashes, so it must be unique per
	// distinct computation.
	name    string
	inDims  []int // dims of each input (0: scalar)
	outDims int
	shape   func(in []tensor.Shape) (tensor.Shape, error)
	f32     func(out []float32, in [][]float32, shapes []tensor.Shape)
	f64     func(out []float64, in [][]float64, shapes []tensor.Shape)
	// grad returns the gradient node of every input (nil where wrt is
	// false); nil grad means the op is not differentiable.
	grad func(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error)
	wrt  []bool
	// out is the output tensor of the previous run, reused by the next
	// when gorgonia offers no preallocated one, so that a training step
	// does not allocate (and the kernel page-fault in) every activation
	// afresh. A tape machine runs each node once per run, one at a time.
	out *tensor.Dense
}

type op struct{ k *kernel }

var _ G.SDOp = op{}

func (o op) Arity() int { return len(o.k.inDims) }

func typeOf(dims int) hm.Type {
	a := hm.TypeVariable('a')
	if dims == 0 {
		return a
	}
	return G.TensorType{Dims: dims, Of: a}
}

func (o op) Type() hm.Type {
	ts := make([]hm.Type, 0, len(o.k.inDims)+1)
	for _, d := range o.k.inDims {
		ts = append(ts, typeOf(d))
	}
	ts = append(ts, typeOf(o.k.outDims))
	return hm.NewFnType(ts...)
}

func (o op) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	shapes := make([]tensor.Shape, len(in))
	for i, d := range in {
		s, ok := d.(tensor.Shape)
		if !ok {
			return nil, fmt.Errorf("%s: input %d has no shape", o.k.name, i)
		}
		shapes[i] = s
	}
	return o.k.shape(shapes)
}

func (o op) ReturnsPtr() bool      { return false }
func (o op) CallsExtern() bool     { return false }
func (o op) OverwritesInput() int  { return -1 }
func (o op) WriteHash(h hash.Hash) { fmt.Fprint(h, o.k.name) }
func (o op) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}
func (o op) String() string { return o.k.name }

func (o op) DiffWRT(n int) []bool {
	if o.k.grad == nil {
		return make([]bool, n)
	}
	return o.k.wrt
}

func (o op) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if o.k.grad == nil {
		return nil, fmt.Errorf("%s is not differentiable", o.k.name)
	}
	return o.k.grad(inputs, output, grad)
}

// data returns v's elements as a contiguous slice (copying views) and its
// shape.
func data(v G.Value) (any, tensor.Shape, error) {
	switch x := v.(type) {
	case *G.F32:
		return []float32{float32(*x)}, tensor.ScalarShape(), nil
	case *G.F64:
		return []float64{float64(*x)}, tensor.ScalarShape(), nil
	case *tensor.Dense:
		if x.RequiresIterator() {
			x = x.Materialize().(*tensor.Dense)
		}
		return x.Data(), x.Shape(), nil
	}
	return nil, nil, fmt.Errorf("unsupported value %T", v)
}

func (o op) Do(vals ...G.Value) (G.Value, error) {
	return o.run(nil, vals)
}

func (o op) UsePreallocDo(prealloc G.Value, vals ...G.Value) (G.Value, error) {
	return o.run(prealloc, vals)
}

func (o op) run(prealloc G.Value, vals []G.Value) (G.Value, error) {
	if len(vals) != len(o.k.inDims) {
		return nil, fmt.Errorf("%s: %d inputs, want %d", o.k.name, len(vals), len(o.k.inDims))
	}
	ins := make([]any, len(vals))
	shapes := make([]tensor.Shape, len(vals))
	for i, v := range vals {
		d, s, err := data(v)
		if err != nil {
			return nil, fmt.Errorf("%s input %d: %w", o.k.name, i, err)
		}
		ins[i], shapes[i] = d, s
	}
	outShape, err := o.k.shape(shapes)
	if err != nil {
		return nil, err
	}
	switch ins[0].(type) {
	case []float32:
		in := make([][]float32, len(ins))
		for i := range ins {
			x, ok := ins[i].([]float32)
			if !ok {
				return nil, fmt.Errorf("%s: mixed dtypes", o.k.name)
			}
			in[i] = x
		}
		return finish(&o.k.out, prealloc, outShape, tensor.Float32, in, func(out []float32) { o.k.f32(out, in, shapes) })
	case []float64:
		in := make([][]float64, len(ins))
		for i := range ins {
			x, ok := ins[i].([]float64)
			if !ok {
				return nil, fmt.Errorf("%s: mixed dtypes", o.k.name)
			}
			in[i] = x
		}
		return finish(&o.k.out, prealloc, outShape, tensor.Float64, in, func(out []float64) { o.k.f64(out, in, shapes) })
	}
	return nil, fmt.Errorf("%s: dtype %T not supported", o.k.name, ins[0])
}

// overlaps reports whether two slices share memory.
func overlaps[T float](a, b []T) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	size := unsafe.Sizeof(a[0])
	a0 := uintptr(unsafe.Pointer(unsafe.SliceData(a)))
	b0 := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return a0 < b0+uintptr(len(b))*size && b0 < a0+uintptr(len(a))*size
}

// finish runs f into the preallocated output when gorgonia offers one of
// the right shape that shares no memory with an input (its register
// allocator may hand an input's register back as the output, which the
// non-elementwise kernels here cannot tolerate), else into the node's
// output of the previous run (*cache) under the same conditions, else into
// a new tensor, which becomes *cache.
func finish[T float](cache **tensor.Dense, prealloc G.Value, shape tensor.Shape, dt tensor.Dtype, in [][]T, f func([]T)) (G.Value, error) {
	if shape.IsScalar() {
		out := make([]T, 1)
		f(out)
		switch v := any(out[0]).(type) {
		case float32:
			return G.NewF32(v), nil
		case float64:
			return G.NewF64(v), nil
		}
	}
	usable := func(p *tensor.Dense) bool {
		if p == nil || !p.Shape().Eq(shape) || p.Dtype() != dt || p.RequiresIterator() {
			return false
		}
		d := p.Data().([]T)
		for _, x := range in {
			if overlaps(d, x) {
				return false
			}
		}
		return true
	}
	var t *tensor.Dense
	if p, ok := prealloc.(*tensor.Dense); ok && usable(p) {
		t = p
	} else if usable(*cache) {
		t = *cache
	} else {
		t = tensor.New(tensor.WithShape(shape.Clone()...), tensor.Of(dt))
		*cache = t
	}
	f(t.Data().([]T))
	return t, nil
}

// apply builds the node for k over inputs.
func apply(k *kernel, inputs ...*G.Node) (*G.Node, error) {
	n, err := G.ApplyOp(op{k}, inputs...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", k.name, err)
	}
	return n, nil
}
