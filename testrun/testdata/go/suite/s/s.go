package s

import _ "example.com/suite/missing"
