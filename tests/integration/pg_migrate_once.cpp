// A tiny process for pg_migrations_test: waits until its stdin closes (the parent's "go", so that
// all copies start migrating at the same moment), runs MigratePg on the URL in argv[1] and prints
// the names of the migrations it applied, one per line as "applied <name>" (the store's own log
// lines may share stdout).
#include <exception>
#include <iostream>

#include <unistd.h>

#include "store/postgres/pg_database.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: pg_migrate_once <postgres-url>\n";
        return 2;
    }
    char byte = 0;
    while (read(STDIN_FILENO, &byte, 1) > 0) {
    }
    try {
        for (const std::string& name : batchd::store::postgres::MigratePg({.url = argv[1]})) {
            std::cout << "applied " << name << '\n';
        }
        return 0;
    } catch (const std::exception& error) {
        std::cerr << "pg_migrate_once: " << error.what() << '\n';
        return 1;
    }
}
