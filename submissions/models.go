package submissions

import (
	"encoding/json"
	"time"
)

// Kind is what a submission uploads.
type Kind string

// The kinds.
const (
	KindActivations Kind = "activations"
	KindWeights     Kind = "weights"
)

// Status is a submission's place in its lifecycle:
// received → validated → queued → running → scored | failed.
type Status string

// The statuses.
const (
	StatusReceived  Status = "received"
	StatusValidated Status = "validated"
	StatusQueued    Status = "queued"
	StatusRunning   Status = "running"
	StatusScored    Status = "scored"
	StatusFailed    Status = "failed"
)

// Card is a model card: what a lab says about its model.
type Card struct {
	Name         string `json:"name"`
	Family       string `json:"family,omitempty"`
	Encoder      string `json:"encoder,omitempty"`
	Attender     string `json:"attender,omitempty"`
	Decoder      string `json:"decoder,omitempty"`
	ParamCount   int64  `json:"param_count,omitempty"`
	TrainingData string `json:"training_data,omitempty"`
	Objective    string `json:"objective,omitempty"`
	PaperURL     string `json:"paper_url,omitempty"`
}

// Model is a row of the models table.
type Model struct {
	ID           int64 `gorm:"primaryKey"`
	LabID        int64
	Name         string
	Family       string
	Encoder      string
	Attender     string
	Decoder      string
	ParamCount   *int64
	TrainingData string
	Objective    string
	PaperURL     string `gorm:"column:paper_url"`
	Visibility   string
	Card         json.RawMessage `gorm:"type:text;serializer:json"`
	Reference    bool
	CreatedAt    time.Time
}

// Submission is a row of the submissions table.
type Submission struct {
	ID         int64 `gorm:"primaryKey"`
	LabID      int64
	ModelID    *int64
	Kind       Kind
	Status     Status
	BlobDigest string
	SizeBytes  int64
	Error      string
	Progress   float64
	Published  bool
	Problems   json.RawMessage `gorm:"type:text;serializer:json"`
	Layers     json.RawMessage `gorm:"type:text;serializer:json"`
	// ActivationsDigest is, for a weights submission, the blob of the
	// activations the server computed by running the bundle ("" until
	// then, and always for an activations submission).
	ActivationsDigest string
	// ActivationsInputs is the InputsDigest of the benchmarks the
	// activations were computed on.
	ActivationsInputs string
	// Reproduced is set when the same model has a scored activations
	// submission and a scored weights submission whose model-level
	// scores agree.
	Reproduced bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
}

// Score is a row of the scores table: one value of one submission on one
// benchmark version under one scorer version, for one layer and target
// ("" for the model-level score). Rows are unique on (submission,
// benchmark, scorer version, layer, target), so a retried job rewrites the
// same rows instead of adding more.
type Score struct {
	ID            int64 `gorm:"primaryKey"`
	SubmissionID  int64
	BenchmarkID   int64
	ScorerVersion string
	Layer         string
	Target        string
	Value         *float64
	CILow         *float64        `gorm:"column:ci_low"`
	CIHigh        *float64        `gorm:"column:ci_high"`
	Details       json.RawMessage `gorm:"type:text;serializer:json"`
	CreatedAt     time.Time
}
