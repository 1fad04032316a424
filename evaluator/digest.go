package evaluator

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"math"
)

// digester writes a canonical, length-prefixed little-endian encoding of an
// evaluation's inputs into SHA-256, so that equal inputs (data, metric,
// options) always give the same InputDigest and different ones differ.
type digester struct {
	h   hash.Hash
	buf []byte
}

func newDigester(kind, metric string, opt Options) *digester {
	d := &digester{h: sha256.New(), buf: make([]byte, 0, 1<<16)}
	d.str("whiskerbench/evaluator inputs v1")
	d.str(kind)
	d.str(metric)
	d.u64(uint64(opt.Iterations))
	d.u64(uint64(opt.StartSeed))
	if metric == MetricV2 {
		d.u64(uint64(opt.Resamples))
		d.u64(uint64(opt.BootstrapSeed))
	}
	return d
}

func (d *digester) flush() {
	d.h.Write(d.buf)
	d.buf = d.buf[:0]
}

func (d *digester) room(n int) {
	if len(d.buf)+n > cap(d.buf) {
		d.flush()
	}
}

func (d *digester) u64(v uint64) {
	d.room(8)
	d.buf = binary.LittleEndian.AppendUint64(d.buf, v)
}

func (d *digester) str(s string) {
	d.u64(uint64(len(s)))
	d.flush()
	d.h.Write([]byte(s))
}

func (d *digester) activations(acts []Activation) {
	d.u64(uint64(len(acts)))
	for _, a := range acts {
		d.str(a.Layer)
		d.str(string(a.Array.DType))
		d.u64(uint64(len(a.Array.Shape)))
		for _, s := range a.Array.Shape {
			d.u64(uint64(s))
		}
		switch {
		case a.Array.F32 != nil:
			d.u64(uint64(len(a.Array.F32)))
			for _, v := range a.Array.F32 {
				d.room(4)
				d.buf = binary.LittleEndian.AppendUint32(d.buf, math.Float32bits(v))
			}
		default:
			d.u64(uint64(len(a.Array.F64)))
			for _, v := range a.Array.F64 {
				d.u64(math.Float64bits(v))
			}
		}
	}
}

func (d *digester) neural(nd NeuralData) {
	d.u64(uint64(len(nd.Animals)))
	for _, a := range nd.Animals {
		d.str(a.ID)
		d.u64(uint64(a.Trials))
		d.u64(uint64(a.Stimuli))
		d.u64(uint64(a.Units))
		d.u64(uint64(len(a.Data)))
		for _, v := range a.Data {
			d.u64(math.Float64bits(v))
		}
	}
}

func (d *digester) sum() string {
	d.flush()
	return "sha256:" + hex.EncodeToString(d.h.Sum(nil))
}
