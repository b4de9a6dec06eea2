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

namespace glulab {

// Writes `page` (Markdown) and its pictures into `<page's folder>/results/`.
// Returns the files written.
std::vector<std::string> write_results_page(const std::string& page, const CompareConfig& cfg,
                                            const CompareResult& result);

}  // namespace glulab
