// Package web embeds the site's HTML templates and static assets, so the
// binary serves every page with nothing fetched at run time.
package web
