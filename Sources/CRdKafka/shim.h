#ifndef TOKENIZE_CRDKAFKA_SHIM_H
#define TOKENIZE_CRDKAFKA_SHIM_H
// rdkafka.h must come before rdkafka_mock.h (the mock header refuses otherwise).
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#endif
