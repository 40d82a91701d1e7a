"""`make bench`: the synthetic catalogue it measures (`synthetic`) and the naive build it compares against
(`naive`). Nothing here is used to serve the site."""
