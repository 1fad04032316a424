// Package arch describes a reference EAD model declaratively: a
// JSON-serialisable Config, its validation, and the ordered parameter list
// (PyTorch-state_dict-like names, shapes and initialisers) that the config
// implies, computed without building a graph, plus deterministic
// initialisation of that list from a seed.
//
// # Parameter naming
//
// Names are dot-separated like a PyTorch state_dict. Every shape is the
// PyTorch shape of the same tensor and the data are row-major, so a weight
// exported from PyTorch with .numpy() has identical bytes.
//
//	encoder.<node>.pre.weight        conv (Cout, Cin, 2, 2) for conv1..conv6,
//	                                 linear (out, in) for fc7, fc8
//	encoder.<node>.pre.bias          (out,)
//	encoder.<node>.cell.tau          (1,)   TimeDecay only
//	encoder.<node>.cell.conv.weight  UGRNN (2C,2C,2,2); IntersectionRNN and
//	                                 LSTM (4C,2C,2,2)
//	encoder.<node>.cell.conv.bias
//	encoder.<node>.cell.conv_ru.*    GRU (2C,2C,2,2) reset/update conv
//	encoder.<node>.cell.conv_c.*     GRU (C,2C,2,2) candidate conv
//	encoder.<node>.cell.ln_<g>.weight, .bias   (C,) LayerNorm per gate g:
//	                                 UGRNN g,c; IntersectionRNN gh,h,gy,y;
//	                                 GRU r,z,c; LSTM i,j,f,o,cell
//	encoder.s4.in.weight, .bias      S4 input Linear (d_model, 1050), (d_model,)
//	encoder.s4.layers.<i>.kernel.log_dt  (d_model,) log Δ per channel
//	encoder.s4.layers.<i>.kernel.A_re    (d_model, d_state/2) log(−Re A)
//	encoder.s4.layers.<i>.kernel.A_im    (d_model, d_state/2) Im A
//	encoder.s4.layers.<i>.kernel.C       (d_model, d_state/2, 2) C as (re, im)
//	encoder.s4.layers.<i>.D              (d_model,) skip term D·u
//	encoder.s4.layers.<i>.out.weight, .bias  GLU output Linear (2·d_model,
//	                                 d_model), (2·d_model,); rows [0, d) are
//	                                 the value half, [d, 2d) the gate half
//	encoder.s4.layers.<i>.norm.weight, .bias (d_model,) post-LayerNorm
//	encoder.s4.dec.weight, .bias     S4 output Linear (repr, d_model), (repr,)
//	encoder.resnet.<torchvision name> the resnet18 encoder (w = width):
//	  conv1.weight                   (64w, 30, 7, 7), no bias
//	  bn1.weight, .bias              (64w,); .running_mean, .running_var
//	                                 buffers (every BN below has the same four)
//	  layer<l>.<i>.conv1.weight      (C_l, C_in, 3, 3), l = 1..4, i = 0, 1,
//	                                 C_l = 64w, 128w, 256w, 512w
//	  layer<l>.<i>.bn1.*, .conv2.weight (C_l, C_l, 3, 3), .bn2.*
//	  layer<l>.0.downsample.0.weight (C_l, C_{l-1}, 1, 1), l = 2..4
//	  layer<l>.0.downsample.1.*      BN (C_l,)
//	  fc.weight, fc.bias             (repr, 512w), (repr,)
//	attender.action_token            (repr,)
//	attender.wte.weight, .bias       (n_embd, repr), (n_embd,)
//	attender.wpe.weight              (block_size, n_embd)
//	attender.h.<i>.ln_1.weight/bias, attender.h.<i>.attn.c_attn.weight (3n, n)
//	/bias, attender.h.<i>.attn.c_proj.weight (n, n)/bias, attender.h.<i>.ln_2.*,
//	attender.h.<i>.mlp.c_fc.weight (4n, n)/bias, attender.h.<i>.mlp.c_proj.weight
//	(n, 4n)/bias
//	attender.ln_f.weight, .bias
//	attender.lm_head.weight          (hidden_dim, n_embd), no bias
//	attender.layers.<i>.mixer.*      Mamba (d = repr, di = expand·d,
//	                                 N = d_state, R = dt_rank, K = d_conv):
//	  in_proj.weight (2di, d), no bias; rows [x; z]
//	  conv1d.weight (di, 1, K), conv1d.bias (di,)  depthwise causal conv
//	  x_proj.weight (R+2N, di), no bias; rows [dt; B; C]
//	  dt_proj.weight (di, R), dt_proj.bias (di,)
//	  A_log (di, N), D (di,), out_proj.weight (d, di), no bias
//	attender.layers.<i>.norm.weight, .bias   (d,) pre-mixer LayerNorm
//	attender.norm_f.weight, .bias    (d,) final LayerNorm
//	decoder.l<i>.weight, .bias       linear layers, (out, in), (out,)
//
// Self-supervised heads (SSLSpecs; never in an EAD bundle):
//
//	ssl.neck.fc0/fc1.weight, ssl.neck.bn0/bn1.*   SimCLR (no biases)
//	ssl.projector.{0,3,6}.*, .{1,4,7}.*          SimSiam Linear, BatchNorm
//	ssl.predictor.{0,3}.*, ssl.predictor.1.*     SimSiam Linear, BatchNorm
//	ssl.ae.fc.*, ssl.ae.deconv<i>.weight (in, out, 3, 3), .bias   AE
//
// Within a cell conv the output channels are the gates in the order listed
// in paper-spec §2.3 (e.g. IntersectionRNN [gh; h; gy; y]); the input
// channels are [u; state].
package arch
