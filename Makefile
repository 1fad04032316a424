# The test command named in README.md; .ci/run calls it too.
GO ?= go

.PHONY: test build serve fuzz

test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m $(TESTFLAGS) ./...

build:
	$(GO) build -o bin/whiskerbench ./cmd/whiskerbench

serve:
	$(GO) run ./cmd/whiskerbench serve

# Short fuzzing passes over every parser of user files (FUZZTIME per target).
FUZZTIME ?= 30s
fuzz:
	$(GO) test ./datasets/npz -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME)
	$(GO) test ./datasets/npz -run '^$$' -fuzz '^FuzzReadNPY$$' -fuzztime $(FUZZTIME)
	$(GO) test ./datasets/npz -run '^$$' -fuzz '^FuzzStat$$' -fuzztime $(FUZZTIME)
	$(GO) test ./datasets/shapes -run '^$$' -fuzz '^FuzzParseOBJ$$' -fuzztime $(FUZZTIME)
	$(GO) test ./datasets/whisker -run '^$$' -fuzz '^FuzzParseTrajectory$$' -fuzztime $(FUZZTIME)
	$(GO) test ./referencemodels/bundle -run '^$$' -fuzz '^FuzzParseManifest$$' -fuzztime $(FUZZTIME)
	$(GO) test ./referencemodels/bundle -run '^$$' -fuzz '^FuzzReadTar$$' -fuzztime $(FUZZTIME)
	$(GO) test ./referencemodels/augment -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./referencemodels/train -run '^$$' -fuzz '^FuzzParseConfig$$' -fuzztime $(FUZZTIME)
