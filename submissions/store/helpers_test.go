package store_test

import (
	"context"

	"github.com/whiskerbench/whiskerbench/submissions/store"
)

func openPG(ctx context.Context, dsn string) (*store.Store, error) {
	return store.Open(ctx, store.Options{Database: dsn})
}
