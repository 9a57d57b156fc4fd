



threadmain