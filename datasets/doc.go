// Package datasets is the root of whiskerbench's data layer: the whisker-array
// simulator, object shapes, tactile dataset generation and format, and the
// neural datasets (the Rodgers 2022 layout and the synthetic surrogate).
//
// It imports nothing of whiskerbench above it. Its leaf packages ndarray (the
// project's one array type) and npz (the project's one .npy/.npz I/O path)
// are shared by every other layer.
package datasets
