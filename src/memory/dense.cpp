#include "memory/dense.h"

#include <Eigen/Dense>
#include <Eigen/Sparse>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <set>

namespace neuroseed {

namespace {

constexpr size_t   kMaxVocabulary   = 30000;
constexpr size_t   kTermsPerUnit    = 24;  // a unit's rarest terms form its co-occurrence pairs
constexpr int      kOversample      = 10;
constexpr int      kPowerIterations = 3;
constexpr uint32_t kSeed            = 1234567;

Eigen::MatrixXf orthonormal(const Eigen::MatrixXf & m) {
    Eigen::HouseholderQR<Eigen::MatrixXf> qr(m);
    return qr.householderQ() * Eigen::MatrixXf::Identity(m.rows(), m.cols());
}

}  // namespace

std::vector<float> DenseModel::embed(const std::vector<std::string> & terms) const {
    std::vector<float> out(static_cast<size_t>(dim), 0.0f);
    bool               any = false;
    for (const auto & t : terms) {
        auto v = vectors.find(t);
        if (v == vectors.end()) continue;
        float w = idf.at(t);
        for (int d = 0; d < dim; ++d) out[static_cast<size_t>(d)] += w * v->second[static_cast<size_t>(d)];
        any = true;
    }
    double norm = 0;
    for (float x : out) norm += static_cast<double>(x) * x;
    if (!any || norm <= 0) return {};
    for (auto & x : out) x = static_cast<float>(x / std::sqrt(norm));
    return out;
}

DenseModel dense_train(const UnitTermsSource & units, int max_dim) {
    DenseModel                     model;
    std::map<std::string, int64_t> df;  // ordered: the vocabulary order is part of determinism
    size_t                         unit_count = 0;
    units([&](const std::vector<std::string> & terms) {
        ++unit_count;
        for (const auto & t : std::set<std::string>(terms.begin(), terms.end())) ++df[t];
    });
    const double             n = static_cast<double>(unit_count);
    std::vector<std::string> vocabulary;
    for (const auto & [t, c] : df)
        if (c >= 2) vocabulary.push_back(t);
    if (vocabulary.size() > kMaxVocabulary) {
        std::stable_sort(vocabulary.begin(), vocabulary.end(), [&](auto & a, auto & b) { return df[a] > df[b]; });
        vocabulary.resize(kMaxVocabulary);
        std::sort(vocabulary.begin(), vocabulary.end());
    }
    const int v   = static_cast<int>(vocabulary.size());
    int       dim = std::min(max_dim, v / 2);
    if (dim < 2) return model;
    std::unordered_map<std::string, int> index;
    for (int i = 0; i < v; ++i) index[vocabulary[static_cast<size_t>(i)]] = i;
    auto idf = [&](const std::string & t) {
        return static_cast<float>(std::log(n / static_cast<double>(df[t])) + 1.0);
    };

    // Co-occurrence counts within units, over each unit's rarest terms.
    std::unordered_map<uint64_t, float> pairs;
    units([&](const std::vector<std::string> & terms) {
        std::vector<int> ids;
        for (const auto & t : std::set<std::string>(terms.begin(), terms.end())) {
            auto it = index.find(t);
            if (it != index.end()) ids.push_back(it->second);
        }
        std::sort(ids.begin(), ids.end(), [&](int a, int b) {
            return df[vocabulary[static_cast<size_t>(a)]] != df[vocabulary[static_cast<size_t>(b)]]
                       ? df[vocabulary[static_cast<size_t>(a)]] < df[vocabulary[static_cast<size_t>(b)]]
                       : a < b;
        });
        if (ids.size() > kTermsPerUnit) ids.resize(kTermsPerUnit);
        for (size_t a = 0; a < ids.size(); ++a)
            for (size_t b = a + 1; b < ids.size(); ++b) {
                auto lo = static_cast<uint64_t>(std::min(ids[a], ids[b]));
                auto hi = static_cast<uint64_t>(std::max(ids[a], ids[b]));
                pairs[(lo << 32) | hi] += 1.0f;
            }
    });
    // Positive PMI, symmetric.
    std::vector<Eigen::Triplet<float>> triplets;
    for (const auto & [key, count] : pairs) {
        int    a   = static_cast<int>(key >> 32);
        int    b   = static_cast<int>(key & 0xffffffffu);
        double pmi = std::log(count * n /
                              (static_cast<double>(df[vocabulary[static_cast<size_t>(a)]]) *
                               static_cast<double>(df[vocabulary[static_cast<size_t>(b)]])));
        if (pmi <= 0) continue;
        triplets.emplace_back(a, b, static_cast<float>(pmi));
        triplets.emplace_back(b, a, static_cast<float>(pmi));
    }
    Eigen::SparseMatrix<float> m(v, v);
    m.setFromTriplets(triplets.begin(), triplets.end());

    // Randomized eigendecomposition of the symmetric matrix (Halko et al.): range finder with power
    // iterations, then the small projected problem.
    const int                       k = std::min(v, dim + kOversample);
    std::mt19937                    rng(kSeed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    Eigen::MatrixXf                 omega(v, k);
    for (int j = 0; j < k; ++j)
        for (int i = 0; i < v; ++i) omega(i, j) = normal(rng);
    Eigen::MatrixXf q = orthonormal(m * omega);
    for (int it = 0; it < kPowerIterations; ++it) q = orthonormal(m * q);
    Eigen::MatrixXf                                b = q.transpose() * (m * q);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXf> eig(b);
    // Eigenvalues come in increasing order; the largest positive ones carry the structure.
    Eigen::MatrixXf vectors = q * eig.eigenvectors();
    model.dim               = dim;
    for (int i = 0; i < v; ++i) {
        std::vector<float> vec(static_cast<size_t>(dim));
        for (int d = 0; d < dim; ++d) {
            int   col                   = k - 1 - d;
            float lambda                = std::max(0.0f, eig.eigenvalues()(col));
            vec[static_cast<size_t>(d)] = vectors(i, col) * std::sqrt(lambda);
        }
        const auto & term   = vocabulary[static_cast<size_t>(i)];
        model.vectors[term] = std::move(vec);
        model.idf[term]     = idf(term);
    }
    return model;
}

std::string dense_vector_pack(const std::vector<float> & v) {
    std::string out(v.size() * sizeof(float), '\0');
    std::memcpy(out.data(), v.data(), out.size());
    return out;
}

std::vector<float> dense_vector_unpack(const std::string & blob) {
    std::vector<float> out(blob.size() / sizeof(float));
    std::memcpy(out.data(), blob.data(), out.size() * sizeof(float));
    return out;
}

}  // namespace neuroseed
