package server

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// changesLimit is how many ranking changes the API lists.
const changesLimit = 20

// changeBoxMoves is how many moves the leaderboard page's box lists.
const changeBoxMoves = 12

// changesJSON lists the latest ranking changes: why the current benchmark
// versions changed and which ranks moved, newest first.
func (h *boardPages) changesJSON(c *gin.Context) {
	cs, err := h.lb.Changes(c.Request.Context(), changesLimit)
	if err != nil {
		h.fail(c, true, err)
		return
	}
	c.Header("Cache-Control", cacheControl)
	c.JSON(http.StatusOK, gin.H{"changes": cs})
}

// changeBox is the leaderboard page's "What changed" box: the latest
// ranking change.
type changeBox struct {
	Reason, When string
	Pending      int
	Failed       int
	Moves        []moveView
	More         int
}

type moveView struct {
	Name, Href, Column, From, To string
}

func rankOrDash(r int) string {
	if r == 0 {
		return "unranked"
	}
	return strconv.Itoa(r)
}

// latestChange returns the box for the latest change, or nil.
func (h *boardPages) latestChange(c *gin.Context) *changeBox {
	cs, err := h.lb.Changes(c.Request.Context(), 1)
	if err != nil {
		h.s.logger.WarnContext(c.Request.Context(), "ranking changes", "err", err)
		return nil
	}
	if len(cs) == 0 {
		return nil
	}
	ch := cs[0]
	box := &changeBox{Reason: ch.Reason, When: ch.CreatedAt.Format("2006-01-02 15:04 UTC"), Pending: ch.Pending, Failed: ch.Failed}
	for i, m := range ch.Moves {
		if i == changeBoxMoves {
			box.More = len(ch.Moves) - i
			break
		}
		box.Moves = append(box.Moves, moveView{Name: m.Name, Href: fmt.Sprintf("/models/%d", m.ModelID), Column: m.Label, From: rankOrDash(m.From), To: rankOrDash(m.To)})
	}
	return box
}
