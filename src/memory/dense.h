// Internal to memory/: the dense signal. An embedding space trained on the user's own corpus, so nothing is
// downloaded: term vectors are the top eigenvectors of the positive-PMI term co-occurrence matrix (randomized
// SVD, fixed seed, so the same corpus always gives the same space), and a text's vector is the IDF-weighted
// sum of its terms' vectors, normalised. Related words that share contexts end up close, which is what
// connects a question's words to evidence written in other words.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace neuroseed {

struct DenseModel {
    int                                                 dim = 0;
    std::unordered_map<std::string, std::vector<float>> vectors;  // per term, scaled by sqrt(eigenvalue)
    std::unordered_map<std::string, float>              idf;

    // The normalised vector of a bag of terms; empty when none of them is known.
    std::vector<float> embed(const std::vector<std::string> & terms) const;
};

// Calls the visitor once with each unit's terms, in the same order every time it is called.
using UnitTermsVisitor = std::function<void(const std::vector<std::string> &)>;
using UnitTermsSource  = std::function<void(const UnitTermsVisitor &)>;

// Trains the space from each unit's terms. Small corpora get fewer dimensions (at most half the vocabulary).
// The units are read twice (document frequencies, then co-occurrences) and never held: at a million units their
// terms alone would be a gigabyte of small strings.
DenseModel dense_train(const UnitTermsSource & units, int max_dim = 128);

// Serialisation for the store: one blob per term (float32, native order) plus the idf.
std::string        dense_vector_pack(const std::vector<float> & v);
std::vector<float> dense_vector_unpack(const std::string & blob);

}  // namespace neuroseed
