package leaderboard

// PaperSource is how the published figures are cited.
const PaperSource = "Chung et al. 2025, paper-spec §4"

// PaperCaveat says why the published figures are not comparable cell for
// cell with this board's.
const PaperCaveat = "Reported in the paper, not reproduced here: measured on the recorded Rodgers (2022) " +
	"barrel-cortex data and the paper's 117-class, 11,927-sweep test set, not on this board's benchmark versions."

// PaperRows returns the paper's published figures as reference rows:
// never ranked, never in the aggregate, never plotted as models. Neural
// figures use the paper's metric (rsa-paper-v1's column); classification
// figures are top-1 and top-5 test accuracy.
func PaperRows() []ReferenceRow {
	v1 := func(v float64) RefCell {
		return RefCell{Value: v, BenchmarkVersion: "paper", Scorer: "rsa-paper-v1 metric"}
	}
	acc := func(v float64) RefCell {
		return RefCell{Value: v, BenchmarkVersion: "paper", Scorer: "linear read-out"}
	}
	row := func(label, note string, cells map[string]RefCell) ReferenceRow {
		return ReferenceRow{Kind: RefPaper, Label: label, Note: note, Caveat: PaperCaveat, Source: PaperSource, Cells: cells}
	}
	a2a := v1(0.17541514365056302)
	a2a.SEM, a2a.Max = fp(0.16078577750944922), fp(1.336684120103193)
	return []ReferenceRow{
		row("Animal-to-animal (paper)", "Mean ± SEM and max, as hard-coded in the paper's plots.", map[string]RefCell{KeyV1: a2a}),
		row("Raw input (paper)", "Noise-corrected NaN-median over 1000 split halves (the aggregation the paper plotted for the input).",
			map[string]RefCell{KeyV1: v1(0.4577380310432083)}),
		row("Zhuang_inter_ln_simclr_lr1e_1 (paper)", "Best neural fit: IntersectionRNN+LN ConvRNN, SimCLR with tactile augmentations.",
			map[string]RefCell{KeyV1: v1(0.9558947492895166)}),
		row("Zhuang_inter_ln, untrained (paper)", "The same architecture at random initialisation.",
			map[string]RefCell{KeyV1: v1(0.6584261139444939)}),
		row("enc_Zhuang_att_GPT (paper)", "Best task model: ConvRNN encoder with a GPT attender.",
			map[string]RefCell{KeyTop1: acc(0.36539), KeyTop5: acc(0.6953131556510925)}),
		row("enc_Zhuang_att_GPT, untrained (paper)", "The same model at random initialisation.",
			map[string]RefCell{KeyTop5: acc(0.05198289453983307)}),
		row("Base ConvRNN, TimeDecay, SGD 0.01 (paper)", "The paper's base ConvRNN.",
			map[string]RefCell{KeyTop1: acc(0.28071), KeyTop5: acc(0.61843)}),
		row("ResNet18 (paper)", "Feed-forward ResNet18 encoder.",
			map[string]RefCell{KeyTop1: acc(0.19183), KeyTop5: acc(0.49216)}),
	}
}
