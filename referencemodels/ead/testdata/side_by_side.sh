#!/bin/sh
# Side-by-side speed run for BENCHMARKS.md "Reference models: training
# speed": PyTorch (torch_anchor.py) and the Go benchmarks of ../bench_test.go
# at one and two threads, interleaved in one session. Optional $1: the root
# of a second checkout (e.g. the commit before the GEMM change) whose Go
# benchmarks are run too, at one thread, as "before".
#
#     sh referencemodels/ead/testdata/side_by_side.sh [BEFORE_ROOT] | tee /tmp/side.log
set -e
root=$(cd "$(dirname "$0")/../../.." && pwd)
tmp=$(mktemp -d)
(cd "$root" && go test -c -o "$tmp/after.test" ./referencemodels/ead)
if [ -n "$1" ]; then (cd "$1" && go test -c -o "$tmp/before.test" ./referencemodels/ead); fi
echo "machine: $(nproc) CPUs, $(lscpu | grep 'Model name' | sed 's/  */ /g'), go $(go env GOVERSION)"
gobench() { # label binary GOMAXPROCS benchtime-infer benchtime-train
	cd "$root/referencemodels/ead"
	GOMAXPROCS=$3 "$2" -test.run XXX -test.bench 'InferBatch64' -test.benchtime "$4" | sed -n "s/^Benchmark/GO $1 GOMAXPROCS=$3 /p"
	GOMAXPROCS=$3 "$2" -test.run XXX -test.bench 'TrainBatch64' -test.benchtime "$5" | sed -n "s/^Benchmark/GO $1 GOMAXPROCS=$3 /p"
}
for th in 1 2; do
	/usr/bin/python3 "$root/referencemodels/ead/testdata/torch_anchor.py" $th 15
	gobench after "$tmp/after.test" $th 10x 6x
done
if [ -n "$1" ]; then gobench before "$tmp/before.test" 1 2x 2x; fi
rm -rf "$tmp"
