"""Sources find documents: a folder of files, a disclosure log, an Alaveteli site."""
