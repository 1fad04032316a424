package server

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// docsPage explains how to submit, the file formats, the metrics and how
// to cite.
func (s *Server) docsPage(c *gin.Context) {
	s.render(c, http.StatusOK, "docs.html", pageData{Title: "Docs — whiskerbench", Path: "/docs"})
}
