#include <random>

#include "engine/containers.hpp"

namespace roost::engine {

std::string generate_name() {
  static const char* adjectives[] = {
      "admiring", "brave", "clever", "dazzling", "eager", "focused", "gallant", "happy", "inspiring",
      "jolly", "keen", "lucid", "modest", "nifty", "optimistic", "peaceful", "quirky", "relaxed",
      "serene", "tender", "upbeat", "vibrant", "wizardly", "xenial", "youthful", "zealous", "bold",
      "calm", "daring", "elegant", "friendly", "gifted", "hopeful", "kind", "lively", "merry",
  };
  static const char* nouns[] = {
      "albattani", "babbage", "curie", "darwin", "einstein", "fermi", "goldberg", "hopper", "hypatia",
      "johnson", "kepler", "lovelace", "mayer", "noether", "pascal", "ritchie", "shannon", "thompson",
      "turing", "villani", "wozniak", "yonath", "zhukovsky", "bell", "bohr", "dijkstra", "euclid",
      "feynman", "galileo", "hamilton", "knuth", "lamport", "meitner", "newton", "ptolemy", "raman",
  };
  static std::random_device rd;
  std::uniform_int_distribution<size_t> a(0, std::size(adjectives) - 1), n(0, std::size(nouns) - 1);
  return std::string(adjectives[a(rd)]) + "_" + nouns[n(rd)];
}

}  // namespace roost::engine
