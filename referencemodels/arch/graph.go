package arch

import "fmt"

// Node is one node of the ConvRNN graph: harbor (concat of Inputs) ->
// pre-memory (2x2 conv or linear) -> recurrent cell -> ReLU.
type Node struct {
	Name string
	// Conv is true for conv1..conv6 (2x2 conv), false for fc7, fc8 (linear).
	Conv bool
	// Same is true for the 'same'-padded convs (conv2..conv6); conv1 is
	// 'valid' (paper-spec §2.2).
	Same bool
	// Inputs are the predecessor nodes in harbor concat order; the input
	// node (conv1) reads the stimulus and has none.
	Inputs []string
	// InFeatures is the harbor's width: channels for a conv node, the
	// flattened C·H·W (or width) for a linear node.
	InFeatures int
	// Out is the node's output channels or width.
	Out int
	// Gated is true when the node carries c's recurrent cell (conv nodes of
	// a cell variant); fc7/fc8 then use the IdentityCell.
	Gated bool
	// Index is the first integer of the name (conv1 -> 1, fc8 -> 8), used
	// by the activation rule (paper-spec §1.8).
	Index int
}

// Spatial size of every node after conv1: the 5x7 grid shrinks to 4x6 by
// the 'valid' 2x2 conv and the 'same' convs keep it (paper-spec §2.2).
const (
	GridH = InputHeight - 1
	GridW = InputWidth - 1
)

// Nodes returns the eight ConvRNN nodes in evaluation order with their
// harbors. Edges: feed-forward conv1->…->fc8; feedback conv3->conv2,
// conv4->conv2, conv4->conv3, conv5->conv3, conv5->conv4, conv6->conv4,
// conv6->conv5; skips conv2->fc7, conv4->fc7; concat order is the
// predecessors sorted by name (Chung et al. 2025, paper-spec §2.2). It is
// nil for the other encoder kinds.
func (c Config) Nodes() []Node {
	if c.Encoder.Kind != EncoderConvRNN {
		return nil
	}
	ch := c.ConvChannels()
	gated := c.Encoder.Cell != CellTimeDecay
	inputs := [][]string{
		nil,
		{"conv1", "conv3", "conv4"},
		{"conv2", "conv4", "conv5"},
		{"conv3", "conv5", "conv6"},
		{"conv4", "conv6"},
		{"conv5"},
	}
	width := map[string]int{}
	nodes := make([]Node, 0, 8)
	for i := 0; i < 6; i++ {
		name := fmt.Sprintf("conv%d", i+1)
		width[name] = ch[i]
	}
	for i := 0; i < 6; i++ {
		name := fmt.Sprintf("conv%d", i+1)
		in := InputChannels
		if i > 0 {
			in = 0
			for _, p := range inputs[i] {
				in += width[p]
			}
		}
		nodes = append(nodes, Node{Name: name, Conv: true, Same: i > 0, Inputs: inputs[i],
			InFeatures: in, Out: ch[i], Gated: gated, Index: i + 1})
	}
	fc7In := (width["conv2"] + width["conv4"] + width["conv6"]) * GridH * GridW
	nodes = append(nodes,
		Node{Name: "fc7", Inputs: []string{"conv2", "conv4", "conv6"}, InFeatures: fc7In, Out: c.FC7Width(), Index: 7},
		Node{Name: "fc8", Inputs: []string{"fc7"}, InFeatures: c.FC7Width(), Out: c.Encoder.ReprDim, Index: 8},
	)
	return nodes
}

// GateNames returns the LayerNorm gate names of a cell, in the channel
// order of its conv output (paper-spec §2.3); LSTM adds "cell" for the LN
// on c'.
func GateNames(cell string) []string {
	switch cell {
	case CellUGRNN:
		return []string{"g", "c"}
	case CellIntersection:
		return []string{"gh", "h", "gy", "y"}
	case CellGRU:
		return []string{"r", "z", "c"}
	case CellLSTM:
		return []string{"i", "j", "f", "o", "cell"}
	}
	return nil
}
