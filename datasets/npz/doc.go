// Package npz is whiskerbench's one path for reading and writing NumPy .npy
// and .npz files as ndarray.Array values.
//
// Every reader takes Limits, because the files come from users: the header,
// each array and the whole archive are bounded before anything is allocated,
// member names are checked, declared sizes are enforced against what the zip
// stream actually yields (so a zip bomb stops at the limit), and every
// problem is an error naming the member and what to do — never a panic.
// Headers are parsed with codeberg.org/sbinet/npyio after a structural
// pre-check; element data is decoded here in bulk through buffered readers.
package npz
