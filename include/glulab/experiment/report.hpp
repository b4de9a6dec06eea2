// report.hpp — docs/results.md, written from a finished comparison.
//
// `make results` runs `glulab compare --ffn all --seeds 3 --report docs/results.md`: after the
// grid, `write_results_page` copies the comparison's pictures next to the page and writes the
// page itself, so every number on it comes from the runs on disk. Shazeer's figures are the only
// numbers not measured here; they are quoted, with their source.
//
// Lesson 13 · the FFN ablation
#pragma once

#include "glulab/experiment/compare.hpp"

#include <string>
#include <string_view>
#include <utility>

namespace glulab {

// The page's section under `heading` (e.g. "## Under LayerNorm"): [begin, end) from its heading
// line to the next "## " heading or the end of the page; {npos, npos} when the page has none.
// The norm section and the lab sections (lab_report.hpp) are put in and kept by it.
std::pair<size_t, size_t> page_section(const std::string& md, std::string_view heading);
// Today's date in UTC, e.g. "2026-12-07": the date every generated section gives.
std::string today_utc();

// Writes `page` (Markdown) and its pictures into `<page's folder>/results/`.
// Returns the files written.
std::vector<std::string> write_results_page(const std::string& page, const CompareConfig& cfg,
                                            const CompareResult& result);

// The norm section (src/experiment/norm_report.cpp): a comparison run with --norm layernorm,
// next to the RMSNorm numbers of the same kinds that `page` already holds. Puts the section
// "## Under LayerNorm" into the page (after Final losses, or in place of an older one) and
// leaves the rest of the page as it is. Returns the files written.
std::vector<std::string> write_norm_section(const std::string& page, const CompareConfig& cfg,
                                            const CompareResult& result);
// The section's Markdown: a table of both norms per kind, each norm's verdict (compare.hpp →
// verdict) and whether each pair keeps its order. `rmsnorm` holds the page's kinds, trained
// `page_steps` steps (0: unknown); a different step count is flagged as not comparable.
std::string norm_section(const CompareConfig& cfg, const std::vector<KindSummary>& layernorm,
                         const std::vector<KindSummary>& rmsnorm, int page_steps = 0);
// The norm section of the page as it is on disk ("" if none), for write_results_page to keep.
std::string kept_norm_section(const std::string& page);

}  // namespace glulab
