#include "supervisord/config/diff.h"
