"""Provider listings (PAs, agencies, DP support organisations), availability and accreditation."""
