package web

import (
	"embed"
	"fmt"
	"html/template"
)

//go:embed templates/*.html
var templates embed.FS

// Static holds the stylesheet and other assets under static/.
//
//go:embed static
var Static embed.FS

// Templates parses every page template with the shared layout.
func Templates() (*template.Template, error) {
	t, err := template.New("").ParseFS(templates, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse embedded templates: %w", err)
	}
	return t, nil
}
