"""Sample data: the real and generated cases each template starts with (:mod:`.writers`), adding
them to a project as labelled datasets (:mod:`.sample_data`), and the demo workspace (:mod:`.demo`).
"""
