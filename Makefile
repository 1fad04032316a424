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

# Short fuzzing passes over every parser of user files.
fuzz:
	$(GO) test ./datasets/npz -run '^$$' -fuzz '^FuzzRead$$' -fuzztime 30s
	$(GO) test ./datasets/npz -run '^$$' -fuzz '^FuzzReadNPY$$' -fuzztime 30s
