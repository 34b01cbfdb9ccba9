"""Word lists the generator draws from; weights follow what UK councils report, roughly."""

from __future__ import annotations

SKILLS = [
    "Hoist trained",
    "Full driving licence",
    "Own car",
    "Cooking",
    "Catheter care",
    "Stoma care",
    "Epilepsy awareness",
    "Diabetes awareness",
    "British Sign Language",
    "Makaton",
    "Positive behaviour support",
    "First aid",
    "Safeguarding adults",
    "Food hygiene",
    "Pet friendly",
    "Non-smoker",
    "Swimming support",
    "Gardening",
    "Personal budgets experience",
    "Halal food preparation",
    "Kosher food preparation",
    "Wheelchair user experience",
]

# Languages besides English, weighted towards what Leeds and other large councils report.
COMMUNITY_LANGUAGES: list[tuple[str, int]] = [
    ("pa", 10),
    ("ur", 12),
    ("pl", 9),
    ("bn", 5),
    ("ar", 6),
    ("ro", 5),
    ("ku", 3),
    ("gu", 3),
    ("so", 3),
    ("fa", 2),
    ("ti", 2),
    ("hi", 3),
    ("ta", 2),
    ("pt", 2),
    ("es", 2),
    ("fr", 2),
    ("lt", 1),
    ("cs", 1),
    ("sk", 1),
    ("yue", 1),
    ("cmn", 1),
    ("bfi", 2),
    ("cy", 1),
    ("tw", 1),
]

CARE_SERVICES = ["PERSONAL_CARE", "DOMESTIC_HELP", "COMMUNITY_ACCESS", "RESPITE", "SITTING", "COMPANIONSHIP"]
AGENCY_ONLY = ["NIGHT_SUPPORT", "LIVE_IN"]
SPECIALIST = [
    "DEMENTIA",
    "AUTISM",
    "LEARNING_DISABILITY",
    "MENTAL_HEALTH",
    "PHYSICAL_DISABILITY",
    "MOVING_AND_HANDLING",
    "PEG_FEEDING",
    "MEDICATION",
    "END_OF_LIFE",
    "SENSORY_IMPAIRMENT",
]

AGENCY_SUFFIXES = [
    "Homecare",
    "Care Services",
    "Home Care",
    "Care at Home",
    "Support Services",
    "Healthcare",
    "Community Care",
]
SUPPORT_ORG_SUFFIXES = [
    "Independent Living",
    "DP Support",
    "Direct Payments Service",
    "Payroll and Support",
    "Disability Advice",
]

PA_BIO = [
    "I have {years} years' experience supporting people at home, including {specialism}. "
    "I am patient, reliable and I follow your way of doing things.",
    "Experienced personal assistant ({years} years). I enjoy helping people stay independent "
    "and get out into the community. Experience with {specialism}.",
    "Former care home worker, now a self-employed PA with {years} years in care. "
    "Calm, kind and flexible; I have supported people with {specialism}.",
]
AGENCY_BIO = [
    "A local, family-run agency registered with the CQC, with {staff} staff covering {area}. "
    "We specialise in {specialism} and offer consistent carers and short-notice cover.",
    "CQC-registered home care provider supporting adults across {area} since {founded}. "
    "Our {staff} carers are trained in {specialism}.",
]
SUPPORT_BIO = [
    "We help people in {area} set up and manage direct payments: advice, recruitment of personal "
    "assistants, payroll and managed accounts.",
]
